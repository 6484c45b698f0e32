// Prints the current two-factor codes of the demo accounts, for trying Haven without an authenticator app.
import { TOTP, Secret } from 'otpauth';
import { loadConfig } from '../server/config';
import { readDemoFile } from '../server/demo/demo-file';

// Piped into `head` and the like: a closed pipe is the reader being done, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

try {
  const config = loadConfig();
  const wanted = process.argv[2]?.toLowerCase();
  const accounts = readDemoFile(config.HAVEN_DATA_DIR).filter((a) => !wanted || a.email.includes(wanted));
  const secondsLeft = 30 - (Math.floor(Date.now() / 1000) % 30);
  for (const account of accounts) {
    const code = account.totpSecret ? new TOTP({ secret: Secret.fromBase32(account.totpSecret) }).generate() : '(not enrolled yet)';
    process.stdout.write(`${code}  ${account.email}  password ${account.password}\n`);
  }
  process.stdout.write(`Codes change in ${secondsLeft} s; each code works once.\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
