// Preloaded into the action's process by `npm run bench` (NODE_OPTIONS=--import): at exit, appends the script
// and its peak resident set size (KiB) to $BENCH_RSS_FILE. Writes nothing to stdout or stderr, changes nothing else.
import { appendFileSync } from 'node:fs'
import process from 'node:process'

const file = process.env.BENCH_RSS_FILE
if (file) {
  process.on('exit', () => {
    try {
      appendFileSync(file, `${process.argv[1]}\t${process.resourceUsage().maxRSS}\n`)
    } catch {
      // A benchmark aid must never change the action's exit.
    }
  })
}
