import { PlistError } from './errors';
import { decodeBinaryPlist } from './plist-binary';

/**
 * Apple property lists: XML encode/decode and binary (`bplist00`) decode.
 *
 * usbmuxd speaks XML only; lockdownd may answer in binary. Values map to JS as: integers →
 * number (bigint beyond 2^53), <real> → number, <data> → Buffer, <date> → Date, <dict> →
 * plain object (built with defineProperty, so a `__proto__` key is just a key), <array> →
 * array. Input is treated as hostile: size, depth and object-count caps, and every failure is
 * a PlistError (never a RangeError or a hang).
 */
export type PlistValue = string | number | bigint | boolean | Buffer | Date | PlistValue[] | PlistDict;
export interface PlistDict {
  [key: string]: PlistValue;
}

export interface PlistLimits {
  /** Largest input accepted, in bytes. */
  maxBytes: number;
  /** Deepest nesting of arrays/dicts. */
  maxDepth: number;
  /** Most values in one document (stops a small binary plist expanding by shared refs). */
  maxObjects: number;
}

export const DEFAULT_PLIST_LIMITS: PlistLimits = { maxBytes: 16 * 1024 * 1024, maxDepth: 64, maxObjects: 1_000_000 };

/** Binary plists start with this magic. */
const BPLIST_MAGIC = 'bplist00';

/** Decodes an XML or binary plist, chosen by its first bytes. */
export function decodePlist(input: Buffer, limits: Partial<PlistLimits> = {}): PlistValue {
  const lim = { ...DEFAULT_PLIST_LIMITS, ...limits };
  if (input.length > lim.maxBytes) throw new PlistError(`${input.length} bytes is over the ${lim.maxBytes}-byte limit`);
  if (input.length >= 8 && input.toString('latin1', 0, 8) === BPLIST_MAGIC) return decodeBinaryPlist(input, lim);
  return decodeXmlPlist(input.toString('utf8'), lim);
}

/** Decodes a plist that must be a dictionary (every usbmux and lockdown message is one). */
export function decodePlistDict(input: Buffer, limits: Partial<PlistLimits> = {}): PlistDict {
  const value = decodePlist(input, limits);
  if (!isPlistDict(value)) throw new PlistError('the top-level value is not a dictionary');
  return value;
}

export function isPlistDict(value: unknown): value is PlistDict {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !Buffer.isBuffer(value) &&
    !(value instanceof Date) &&
    !(value instanceof Uint8Array)
  );
}

function setKey(dict: PlistDict, key: string, value: PlistValue): void {
  // defineProperty, not assignment: a hostile "__proto__" key must not change the prototype.
  Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---------------------------------------------------------------- XML encode

/** Encodes a value as an XML plist document (UTF-8), as usbmuxd and lockdownd expect. */
export function encodePlist(value: PlistValue): Buffer {
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n',
    '<plist version="1.0">\n',
  ];
  encodeXmlValue(value, parts, 0, new Set());
  parts.push('</plist>\n');
  return Buffer.from(parts.join(''), 'utf8');
}

function encodeXmlValue(value: PlistValue, out: string[], depth: number, seen: Set<object>): void {
  if (depth > DEFAULT_PLIST_LIMITS.maxDepth) throw new PlistError('value nested too deeply to encode');
  const pad = '\t'.repeat(depth);
  if (typeof value === 'string') out.push(`${pad}<string>${escapeXml(value)}</string>\n`);
  else if (typeof value === 'boolean') out.push(`${pad}<${value}/>\n`);
  else if (typeof value === 'bigint') out.push(`${pad}<integer>${value.toString()}</integer>\n`);
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new PlistError(`cannot encode ${value}`);
    out.push(Number.isInteger(value) ? `${pad}<integer>${value}</integer>\n` : `${pad}<real>${value}</real>\n`);
  } else if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new PlistError('cannot encode an invalid date');
    out.push(`${pad}<date>${value.toISOString().replace(/\.\d{3}Z$/, 'Z')}</date>\n`);
  } else if (value instanceof Uint8Array) {
    out.push(
      `${pad}<data>${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}</data>\n`,
    );
  } else if (Array.isArray(value) || isPlistDict(value)) {
    if (seen.has(value)) throw new PlistError('cannot encode a cyclic value');
    seen.add(value);
    if (Array.isArray(value)) {
      out.push(`${pad}<array>\n`);
      for (const item of value) encodeXmlValue(item, out, depth + 1, seen);
      out.push(`${pad}</array>\n`);
    } else {
      out.push(`${pad}<dict>\n`);
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined) continue;
        out.push(`${pad}\t<key>${escapeXml(key)}</key>\n`);
        encodeXmlValue(item, out, depth + 1, seen);
      }
      out.push(`${pad}</dict>\n`);
    }
    seen.delete(value);
  } else {
    throw new PlistError(`cannot encode a value of type ${value === null ? 'null' : typeof value}`);
  }
}

function escapeXml(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

// ---------------------------------------------------------------- XML decode

interface Token {
  kind: 'open' | 'close' | 'empty';
  name: string;
  /** Index just after the tag's '>'. */
  end: number;
}

class XmlReader {
  pos = 0;
  objects = 0;
  constructor(
    readonly text: string,
    readonly limits: PlistLimits,
  ) {}

  fail(message: string): never {
    throw new PlistError(`${message} (at character ${this.pos})`);
  }

  /** Skips whitespace, the XML declaration, DOCTYPE and comments. */
  skipMisc(): void {
    for (;;) {
      while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
      if (this.text.startsWith('<?', this.pos)) this.skipPast('?>');
      else if (this.text.startsWith('<!--', this.pos)) this.skipPast('-->');
      else if (this.text.startsWith('<!', this.pos)) this.skipPast('>');
      else return;
    }
  }

  skipPast(marker: string): void {
    const at = this.text.indexOf(marker, this.pos);
    if (at < 0) this.fail(`unterminated markup, expected "${marker}"`);
    this.pos = at + marker.length;
  }

  nextTag(): Token {
    this.skipMisc();
    if (this.text[this.pos] !== '<') this.fail('expected a tag');
    const close = this.text.indexOf('>', this.pos);
    if (close < 0) this.fail('unterminated tag');
    const inner = this.text.slice(this.pos + 1, close);
    const match = /^(\/?)([A-Za-z][\w.-]*)(?:\s[^>]*?)?(\/?)$/.exec(inner.trim());
    if (!match) this.fail('malformed tag');
    this.pos = close + 1;
    const [, slash, name, selfClose] = match;
    return { kind: slash ? 'close' : selfClose ? 'empty' : 'open', name: name!, end: this.pos };
  }

  /** Reads character data up to `</name>`, decoding entities. */
  textUntilClose(name: string): string {
    const endTag = `</${name}>`;
    const at = this.text.indexOf(endTag, this.pos);
    if (at < 0) this.fail(`missing ${endTag}`);
    const raw = this.text.slice(this.pos, at);
    if (raw.includes('<')) {
      // CDATA is legal XML but never produced by Apple's writers; refuse instead of guessing.
      this.fail(`unexpected markup inside <${name}>`);
    }
    this.pos = at + endTag.length;
    return decodeEntities(raw, (m) => this.fail(m));
  }

  value(token: Token, depth: number): PlistValue {
    if (++this.objects > this.limits.maxObjects) this.fail('too many objects');
    if (depth > this.limits.maxDepth) this.fail(`nested deeper than ${this.limits.maxDepth}`);
    if (token.kind === 'close') this.fail(`unexpected </${token.name}>`);
    const empty = token.kind === 'empty';
    switch (token.name) {
      case 'true':
      case 'false':
        if (!empty) this.expectClose(token.name, this.textUntilClose(token.name));
        return token.name === 'true';
      case 'string':
        return empty ? '' : this.textUntilClose('string');
      case 'integer':
        return parseInteger(empty ? '' : this.textUntilClose('integer'), (m) => this.fail(m));
      case 'real': {
        const text = empty ? '' : this.textUntilClose('real').trim();
        const n = Number(text);
        if (text === '' || Number.isNaN(n)) {
          if (/^[+-]?nan$/i.test(text)) return Number.NaN;
          this.fail(`invalid real "${text.slice(0, 40)}"`);
        }
        return n;
      }
      case 'data': {
        const text = empty ? '' : this.textUntilClose('data').replace(/\s+/g, '');
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) this.fail('invalid base64 in <data>');
        return Buffer.from(text, 'base64');
      }
      case 'date': {
        const text = empty ? '' : this.textUntilClose('date').trim();
        const date = new Date(text);
        if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(text) || Number.isNaN(date.getTime())) {
          this.fail(`invalid date "${text.slice(0, 40)}"`);
        }
        return date;
      }
      case 'array': {
        const items: PlistValue[] = [];
        if (empty) return items;
        for (;;) {
          const next = this.nextTag();
          if (next.kind === 'close') {
            if (next.name !== 'array') this.fail(`expected </array>, got </${next.name}>`);
            return items;
          }
          items.push(this.value(next, depth + 1));
        }
      }
      case 'dict': {
        const dict: PlistDict = {};
        if (empty) return dict;
        for (;;) {
          const next = this.nextTag();
          if (next.kind === 'close') {
            if (next.name !== 'dict') this.fail(`expected </dict>, got </${next.name}>`);
            return dict;
          }
          if (next.name !== 'key') this.fail(`expected <key> in <dict>, got <${next.name}>`);
          const key = next.kind === 'empty' ? '' : this.textUntilClose('key');
          setKey(dict, key, this.value(this.nextTag(), depth + 1));
        }
      }
      default:
        return this.fail(`unknown element <${token.name}>`);
    }
  }

  expectClose(name: string, text: string): void {
    if (text.trim() !== '') this.fail(`<${name}> must be empty`);
  }
}

function decodeEntities(raw: string, fail: (m: string) => never): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;]{0,10});/g, (_, entity: string) => {
    if (entity === 'lt') return '<';
    if (entity === 'gt') return '>';
    if (entity === 'amp') return '&';
    if (entity === 'quot') return '"';
    if (entity === 'apos') return "'";
    const code = /^#x([0-9a-f]+)$/i.exec(entity)
      ? parseInt(entity.slice(2), 16)
      : /^#\d+$/.test(entity)
        ? parseInt(entity.slice(1), 10)
        : NaN;
    if (!Number.isInteger(code) || code > 0x10ffff) fail(`unknown entity &${entity};`);
    return String.fromCodePoint(code);
  });
}

function parseInteger(text: string, fail: (m: string) => never): number | bigint {
  const t = text.trim();
  let big: bigint;
  if (/^[+-]?\d{1,40}$/.test(t)) big = BigInt(t);
  else if (/^[+-]?0x[0-9a-f]{1,32}$/i.test(t))
    big = t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t.replace(/^\+/, ''));
  else return fail(`invalid integer "${t.slice(0, 40)}"`);
  if (big > 0xffff_ffff_ffff_ffffn || big < -0x8000_0000_0000_0000n) fail('integer out of 64-bit range');
  return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big;
}

function decodeXmlPlist(text: string, limits: PlistLimits): PlistValue {
  const reader = new XmlReader(text, limits);
  let token = reader.nextTag();
  const wrapped = token.name === 'plist' && token.kind === 'open';
  if (wrapped) token = reader.nextTag();
  const value = reader.value(token, 0);
  if (wrapped) {
    const close = reader.nextTag();
    if (close.kind !== 'close' || close.name !== 'plist') reader.fail('expected </plist>');
  }
  reader.skipMisc();
  // Tolerate trailing NULs: some writers NUL-terminate the document.
  if (reader.text.slice(reader.pos).replace(/\0/g, '').trim() !== '') reader.fail('trailing content after the plist');
  return value;
}
