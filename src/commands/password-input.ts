/**
 * Where a CLI command gets a password: a file (`--password-file`), standard input when
 * it is not a terminal (`echo ... | tollgate ...`), or a prompt on the terminal that
 * does not echo and asks twice. Never the command line, where `ps` shows it.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const write = (rl as unknown as { _writeToOutput?: (s: string) => void })._writeToOutput;
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      // Echo the prompt, nothing of what is typed.
      if (s.startsWith(question)) write?.call(rl, question);
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

export async function readPassword(options: { passwordFile?: string }): Promise<string> {
  if (options.passwordFile) {
    return readFileSync(options.passwordFile, 'utf8').replace(/\r?\n$/, '');
  }
  if (!process.stdin.isTTY) return (await readStdin()).replace(/\r?\n$/, '');
  const first = await promptHidden('Password: ');
  const second = await promptHidden('Password again: ');
  if (first !== second) throw new Error('the two passwords differ');
  return first;
}
