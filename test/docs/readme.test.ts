/**
 * The README stays true: what it tells a newcomer to type exists. The commands and options it
 * names are the CLI's (asked of `canopy … --help`, the built CLI a newcomer runs), the npm
 * scripts are package.json's, the files it points at are in the repository, every document in
 * docs/ is listed, the Node versions are the engines field's, and step 4's requests are
 * docs/examples/enable-domain.sh shown whole — the script `npm run demo` (and so CI) runs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const bin = join(root, 'bin/canopy.mjs');

function help(path: readonly string[]): { commands: string[]; options: Set<string> } {
  const text = execFileSync(process.execPath, [bin, ...path, '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const commandsAt = text.indexOf('\nCommands:');
  const commands = commandsAt < 0 ? [] : [...text.slice(commandsAt).matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
  return { commands, options: new Set(text.match(/--[a-z][a-z-]*/g) ?? []) };
}

/** Each place the README runs or names a canopy command: the words after `canopy` and the options on that line. */
function mentions(): { line: number; words: string[]; options: string[] }[] {
  const found: { line: number; words: string[]; options: string[] }[] = [];
  readme.split('\n').forEach((text, index) => {
    for (const m of text.matchAll(/(?:bin\/canopy\.mjs|`canopy) ([a-z|]+(?: [a-z|]+)?)([^`#\n]*)/g)) {
      // The options named before the next pipe or command on the line belong to this command.
      const rest = m[2]!.split(/ \| |;|&&/)[0]!;
      found.push({ line: index + 1, words: m[1]!.split(' '), options: rest.match(/(?<![\w-])--[a-z][a-z-]*/g) ?? [] });
    }
  });
  return found;
}

describe('the README', () => {
  test('names only canopy commands and options that exist', () => {
    const top = help([]);
    const seen = mentions();
    assert.ok(seen.length >= 8, `the README runs canopy in several places (found ${seen.length})`);
    for (const { line, words, options } of seen) {
      const [first, second] = words;
      assert.ok(top.commands.includes(first!), `README.md:${line}: \`canopy ${first}\` is not a command (${top.commands.join(', ')})`);
      const sub = help([first!]);
      // `canopy agent` alone names the group; with a word after it, that word is a subcommand.
      const paths = sub.commands.length > 0 && second !== undefined
        ? second.split('|').map((name) => {
          assert.ok(sub.commands.includes(name), `README.md:${line}: \`canopy ${first} ${name}\` is not a command (${sub.commands.join(', ')})`);
          return [first!, name];
        })
        : [[first!]];
      for (const path of paths) {
        const known = help(path).options;
        for (const option of options) assert.ok(known.has(option), `README.md:${line}: \`canopy ${path.join(' ')}\` has no option ${option}`);
      }
    }
  });

  test('names only npm scripts that package.json has', () => {
    const scripts = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const named = [...readme.matchAll(/npm run ([a-z][a-z:-]*)/g)].map((m) => m[1]!);
    assert.ok(named.includes('demo'));
    for (const name of named) assert.ok(scripts.includes(name), `npm run ${name}: package.json has no such script`);
  });

  test('points only at files that exist, and lists every document in docs/', () => {
    for (const m of readme.matchAll(/(?<![\w/])((?:docs|scripts|bench|bin|test|src)\/[A-Za-z0-9_./-]*[A-Za-z0-9_])/g)) {
      assert.ok(existsSync(join(root, m[1]!)), `README names ${m[1]}, which is not in the repository`);
    }
    for (const name of readdirSync(join(root, 'docs')).filter((n) => n.endsWith('.md'))) {
      assert.ok(readme.includes(`docs/${name}`), `docs/${name} is not listed in the README`);
    }
  });

  test('gives the Node versions package.json supports', () => {
    const engines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    // "^20.19.0 || ^22.13.0 || >=24" reads "Node 20.19+, 22.13+ or 24+".
    const lines = engines.split('||').map((range) => range.trim().replace(/^\^|^>=/, '').replace(/\.0$/, '') + '+');
    const phrase = `Node ${lines.slice(0, -1).join(', ')} or ${lines.at(-1)}`;
    assert.ok(readme.includes(phrase), `the README should say "${phrase}" (package.json engines: ${engines})`);
    assert.doesNotMatch(readme, /Node >= ?\d/, 'one way of giving the versions');
  });

  test('shows docs/examples/enable-domain.sh whole, the script the demo runs', () => {
    const script = readFileSync(join(root, 'docs/examples/enable-domain.sh'), 'utf8');
    assert.ok(readme.includes('```sh\n' + script + '```\n'), 'README.md must show docs/examples/enable-domain.sh verbatim in a ```sh block (copy it again after editing the script)');
    const demo = readFileSync(join(root, 'scripts/demo/main.ts'), 'utf8');
    assert.match(demo, /docs\/examples\/enable-domain\.sh/);
  });
});
