import { afterEach, describe, expect, test } from '@jest/globals'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx')
const children: ChildProcessWithoutNullStreams[] = []
const dirs: string[] = []

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** Starts `tsx emulator/cli.ts …` and resolves with the banner once it is complete. */
function startCli(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; banner: string; url: string }> {
  const child = spawn(TSX, ['emulator/cli.ts', ...args], { cwd: process.cwd(), env: { ...process.env, NODE_OPTIONS: '' } })
  children.push(child)
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m && out.includes('Ctrl-C to stop')) resolve({ child, banner: out, url: m[1] })
    })
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    child.on('exit', (code) => reject(new Error(`cli exited with ${code} before its banner: ${err}`)))
  })
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)))
}

describe('npm run emulator (emulator/cli.ts)', () => {
  test('--port 0 binds an ephemeral loopback port and prints the real URL; SIGTERM stops it cleanly', async () => {
    const { child, banner, url } = await startCli(['--port', '0'])
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(url).not.toMatch(/:0$/)
    expect(banner).toContain(`${url}/t/acme/oauth2/token`)
    expect(banner).toMatch(new RegExp(`OIDC issuer\\s+${url.replace(/[.]/g, '\\.')}/github\\n`))
    const health = await fetch(`${url}/__emulator/health`)
    expect(health.status).toBe(200)
    expect(((await health.json()) as { ok: boolean }).ok).toBe(true)
    const done = exited(child)
    child.kill('SIGTERM')
    expect(await done).toBe(0)
  })

  test('--seed overrides the defaults and --state persists to a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-cli-'))
    dirs.push(dir)
    const seedFile = join(dir, 'seed.json')
    const stateFile = join(dir, 'state.json')
    writeFileSync(seedFile, JSON.stringify({ asgardeoOrg: 'globex' }))
    const { child, banner, url } = await startCli(['--port', '0', '--seed', seedFile, '--state', stateFile])
    expect(banner).toMatch(/org "globex"/)
    expect(banner).toContain(`State file ${stateFile}`)
    const health = (await (await fetch(`${url}/__emulator/health`)).json()) as { seed: { asgardeoOrg: string } }
    expect(health.seed.asgardeoOrg).toBe('globex')
    const done = exited(child)
    child.kill('SIGINT')
    expect(await done).toBe(0)
    expect(existsSync(stateFile)).toBe(true)
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).seed.asgardeoOrg).toBe('globex')
  })
})
