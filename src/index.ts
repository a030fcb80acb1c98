import { run } from './main.js'
import { log } from './output.js'

// Whatever escapes run() still leaves through the scrubbing log layer, never as a raw stack trace on stderr.
const escaped = (err: unknown): void => log.fail(err instanceof Error ? err.message : String(err))
process.on('uncaughtException', escaped)
process.on('unhandledRejection', escaped)

void run()
