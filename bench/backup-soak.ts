/**
 * Cable-pull soak: many more trials than the test suite's 20 (tests/integration/backup/
 * cable-pull.test.ts), each pulling the cable one to three times at random byte offsets, with
 * random re-plug delays and concurrency. After every trial: every file in the backup folder is
 * byte-identical to the phone's, the catalog calls verified only intact copies, and the run
 * completed with everything. Prints one line per failure and a summary; exit code 1 on any failure.
 *
 *   npx tsx bench/backup-soak.ts [--trials 200] [--seed 1]
 */
import {
  type Rig,
  type RigPhone,
  checkConsistent,
  startRig,
  trialRandom,
} from '../tests/integration/backup/backup-rig';

const args = Object.fromEntries(
  process.argv.slice(2).flatMap((arg, i, all) => (arg.startsWith('--') ? [[arg.slice(2), all[i + 1] ?? '']] : [])),
) as Record<string, string>;
const TRIALS = Number(args.trials ?? 200);
const SEED = Number(args.seed ?? 1);

async function trial(rig: Rig, phone: RigPhone, next: () => number, rollBytes: number): Promise<string | null> {
  await rig.fresh();
  const link = phone.phone.link;
  const pulls = 1 + Math.floor(next() * 3);
  let pulled = 0;
  let target = link.bytesSent + Math.floor(next() * rollBytes * 0.8);
  const arm = () => link.dropAfter(target - link.bytesSent);
  arm();
  const watch = setInterval(() => {
    if (pulled >= pulls || link.bytesSent < target) return;
    pulled++;
    phone.phone.detach();
    setTimeout(
      () => {
        phone.phone.attach();
        if (pulled < pulls) {
          target = link.bytesSent + Math.floor(next() * rollBytes * 0.3);
          arm();
        }
      },
      5 + Math.floor(next() * 150),
    );
  }, 1);
  try {
    const summary = await rig.backup(phone, { maxDeviceWaitMs: 30_000, concurrency: 1 + Math.floor(next() * 8) });
    if (summary.state !== 'completed' || summary.failed !== 0) return `run ended ${JSON.stringify(summary)}`;
  } finally {
    clearInterval(watch);
    link.dropAfter(undefined);
    phone.phone.attach();
  }
  const stored = await checkConsistent(rig, rig.destRoot, phone.files.values());
  const distinct = new Set([...phone.files.values()].map((f) => f.sha256)).size;
  if (stored.size !== distinct) return `${stored.size} of ${distinct} contents stored`;
  return null;
}

async function main(): Promise<void> {
  const rig = await startRig();
  let failures = 0;
  const start = performance.now();
  try {
    const phone = await rig.addPhone({ seed: 'soak', photos: 16, videos: 3, live: 4 });
    const rollBytes = [...phone.files.values()].reduce((sum, f) => sum + f.size, 0);
    for (let i = 0; i < TRIALS; i++) {
      const next = trialRandom(SEED * 100_000 + i);
      const problem = await trial(rig, phone, next, rollBytes).catch((error: unknown) => String(error));
      if (problem) {
        failures++;
        console.log(`trial ${i} (seed ${SEED}): ${problem}`);
      }
      if ((i + 1) % 25 === 0) console.log(`${i + 1}/${TRIALS} trials, ${failures} failed`);
    }
  } finally {
    await rig.close();
  }
  console.log(`${TRIALS} trials in ${((performance.now() - start) / 1000).toFixed(0)} s: ${failures} failed.`);
  process.exitCode = failures === 0 ? 0 : 1;
}

await main();
