import { afterAll, beforeAll, beforeEach, expect } from '@jest/globals'
import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { Emulator, type EmulatorOptions } from '../../emulator/index.js'
import { validatePairs } from '../../emulator/contract/validate.js'
import { writeContractReport } from '../../emulator/contract/report.js'

/** Where each test file leaves what it exercised; `.contract/COVERAGE.md` merges every file's latest result. */
export const CONTRACT_DIR = join(process.cwd(), '.contract')

/**
 * One emulator for the test file, on an ephemeral loopback port: started before the first test,
 * stopped after the last and, unless `resetEach` is false, back to its seed before each test.
 * Every request it answers is recorded; after the last test each pair is validated against the official
 * specs (emulator/contract): a violation not listed in deviations.json fails the file.
 */
export function useEmulator(options: EmulatorOptions = {}, { resetEach = true, contract = true } = {}): Emulator {
  const emu = new Emulator(options)
  // contract: false only where a test makes the emulator hostile on purpose: what the action echoes of a
  // hostile answer is outside every contract too.
  if (contract) emu.contract = []
  beforeAll(async () => {
    await emu.start()
  })
  afterAll(async () => {
    await emu.stop()
    if (!contract) return
    const result = validatePairs(emu.contract ?? [])
    const file = basename(expect.getState().testPath ?? `unknown-${process.pid}`)
    mkdirSync(CONTRACT_DIR, { recursive: true })
    writeFileSync(join(CONTRACT_DIR, `${file}.json`), JSON.stringify({ file, ...result }))
    writeContractReport(CONTRACT_DIR)
    if (result.violations.length > 0) {
      const lines = result.violations.slice(0, 40).map((v) => `  [${v.spec}] ${v.operation} → ${v.status} ${v.kind}: ${v.detail}`)
      throw new Error(
        `Contract: ${result.violations.length} violation(s) of the official specs (add a deviation with its source to emulator/contract/deviations.json only when a reference justifies it):\n${lines.join('\n')}`
      )
    }
  })
  if (resetEach) beforeEach(() => emu.reset())
  return emu
}
