import { afterAll, beforeAll, beforeEach } from '@jest/globals'
import { Emulator, type EmulatorOptions } from '../../emulator/index.js'

/**
 * One emulator for the test file, on an ephemeral loopback port: started before the first test,
 * stopped after the last and, unless `resetEach` is false, back to its seed before each test.
 */
export function useEmulator(options: EmulatorOptions = {}, { resetEach = true } = {}): Emulator {
  const emu = new Emulator(options)
  beforeAll(async () => {
    await emu.start()
  })
  afterAll(async () => {
    await emu.stop()
  })
  if (resetEach) beforeEach(() => emu.reset())
  return emu
}
