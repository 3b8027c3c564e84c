import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries (eslint, as CI runs it)', () => {
  it('fail when the renderer imports main', async () => {
    const errors = await boundaryErrors(
      'src/renderer/src/probe.ts',
      "import { Engine } from '../../main/engine';\nexport const e = Engine;\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('architecture boundary');
  });

  it('fail when the renderer imports Node or the preload', async () => {
    expect(
      await boundaryErrors('src/renderer/src/probe.ts', "import fs from 'node:fs';\nexport const f = fs;\n"),
    ).toHaveLength(1);
    expect(
      await boundaryErrors(
        'src/renderer/src/probe.ts',
        "import { buildBridge } from '../../preload/bridge';\nexport const b = buildBridge;\n",
      ),
    ).toHaveLength(1);
  });

  it('fail when shared imports anything but itself and zod', async () => {
    expect(
      await boundaryErrors(
        'src/shared/probe.ts',
        "import { Engine } from '../main/engine';\nexport const e = Engine;\n",
      ),
    ).toHaveLength(1);
    expect(
      await boundaryErrors('src/shared/probe.ts', "import path from 'node:path';\nexport const p = path;\n"),
    ).toHaveLength(1);
    expect(
      await boundaryErrors(
        'src/shared/probe.ts',
        "import { z } from 'zod';\nimport { METHOD_NAMES } from './contract-names';\nexport const x = [z, METHOD_NAMES];\n",
      ),
    ).toHaveLength(0);
  });

  it('fail when main imports the renderer, and allow the renderer to import shared', async () => {
    expect(
      await boundaryErrors('src/main/probe.ts', "import { App } from '../renderer/src/App';\nexport const a = App;\n"),
    ).toHaveLength(1);
    expect(
      await boundaryErrors(
        'src/renderer/src/probe.ts',
        "import type { Device } from '../../shared/contract';\nexport type D = Device;\n",
      ),
    ).toHaveLength(0);
  });
});
