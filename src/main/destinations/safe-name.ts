/**
 * File names from the phone made safe for any destination: ext4, APFS/HFS+ (which normalise
 * Unicode), NTFS/exFAT/SMB (case-insensitive, with reserved names and characters), S3 keys and
 * Jottacloud paths. The phone's names are untrusted input: a hostile one must never climb out of
 * the destination, hide itself, or fail on the next operating system the folder is opened on.
 */
import path from 'node:path';

/**
 * The longest name any common file system accepts: 255 bytes on ext4/btrfs/ZFS, 255 UTF-16 units
 * on NTFS/APFS/HFS+. We count UTF-8 bytes of the NFD form: it is never shorter than either of
 * those measures, so a name that fits here fits everywhere, even after macOS decomposes it.
 */
export const MAX_NAME_BYTES = 255;

/** Longest extension we keep apart from the stem (`.heic`, `.jpeg`, `.plist`…). */
const MAX_EXTENSION_CHARS = 16;

/** Windows device names: reserved with any extension, in any case, also with trailing spaces. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;

/**
 * Characters that cannot appear in names on some target: path separators, the Windows reserved
 * set `<>:"|?*`, C0 and C1 controls, DEL, and the bidi overrides that make a name display as
 * something it is not (`IMG_\u202Egpj.exe`).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f/\\<>:"|?*\u202a-\u202e\u2066-\u2069]/g;

/** A name cut into what names a file and its extension (`.HEIC`, with the dot; may be empty). */
export interface NameParts {
  stem: string;
  extension: string;
}

/** NFC, well-formed, no unsafe characters. Keeps the user's letters, digits and spaces. */
export function cleanName(raw: string): string {
  return raw.replace(LONE_SURROGATE, '_').normalize('NFC').replace(UNSAFE_CHARACTERS, '_');
}

/** Half of a UTF-16 pair without its other half: not encodable in a UTF-8 file name. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Split a cleaned name into stem and extension. Only a short alphanumeric tail counts as an
 * extension, so `archive.tar.gz` keeps `.gz`, and a 300-character "extension" stays in the stem
 * where it will be shortened.
 */
export function splitName(name: string): NameParts {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return { stem: name, extension: '' };
  const extension = name.slice(dot);
  if (extension.length > MAX_EXTENSION_CHARS + 1 || !/^\.[A-Za-z0-9]+$/.test(extension)) {
    return { stem: name, extension: '' };
  }
  return { stem: name.slice(0, dot), extension };
}

/**
 * A stem safe to start a file name with: no leading dot (hidden files, `.` and `..`), no trailing
 * dot or space (Windows strips them, so `IMG.` and `IMG` would collide), not a Windows device
 * name, never empty.
 */
export function safeStem(rawStem: string): string {
  let stem = cleanName(rawStem)
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (stem === '') stem = 'unnamed';
  const beforeFirstDot = stem.split('.')[0]!.trimEnd();
  if (WINDOWS_RESERVED.test(beforeFirstDot)) stem = `_${stem}`;
  return stem;
}

/** The stem and extension of a phone file name, each made safe. */
export function safeNameParts(rawName: string): NameParts {
  const { stem, extension } = splitName(cleanName(rawName));
  return { stem: safeStem(stem), extension };
}

/** Bytes the name takes on the strictest target (see MAX_NAME_BYTES). */
export function nameBytes(name: string): number {
  return Buffer.byteLength(name.normalize('NFD'), 'utf8');
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Cut `text` to at most `maxBytes` (NFD UTF-8), never inside a character or an emoji sequence. */
export function truncateToBytes(text: string, maxBytes: number): string {
  if (nameBytes(text) <= maxBytes) return text;
  let result = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const size = nameBytes(segment);
    if (used + size > maxBytes) break;
    result += segment;
    used += size;
  }
  return result;
}

/**
 * Put a final name together: `<stem><suffix><extension>`, shortening the stem (never the suffix
 * or extension) so the whole fits MAX_NAME_BYTES. `suffix` is ours (` (1)`, ` (edited)`), so it
 * is trusted; stem and extension must come from `safeNameParts`. `maxBytes` is lower when more
 * is still to be appended (a group's stem leaves room for role tags and extensions).
 */
export function composeName(stem: string, suffix: string, extension: string, maxBytes = MAX_NAME_BYTES): string {
  const budget = maxBytes - nameBytes(suffix + extension);
  let shortened = truncateToBytes(stem, budget).replace(/[.\s]+$/, '');
  if (shortened === '') shortened = 'unnamed';
  return `${shortened}${suffix}${extension}`;
}

/**
 * The key two names collide on, on the most forgiving file system we may meet: Unicode
 * compatibility-normalised (APFS/HFS+ treat NFC and NFD as one name) and case-folded (NTFS, SMB,
 * APFS default, Jottacloud). Folding too much only costs an extra ` (1)`, so it errs that way.
 */
export function collisionKey(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase();
}

/**
 * The absolute path of `relative` under `root`, or null if it would resolve anywhere else
 * (`..`, an absolute path, a drive letter). `root` must be absolute.
 */
export function resolveInside(root: string, relative: string): string | null {
  if (relative.includes('\0')) return null;
  const resolved = path.resolve(root, relative);
  const rootWithSeparator = root.endsWith(path.sep) ? root : root + path.sep;
  return resolved.startsWith(rootWithSeparator) ? resolved : null;
}
