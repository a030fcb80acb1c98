// Jest transform for @actions/workflow-parser, whose ESM build imports its JSON schemas without
// `with { type: 'json' }` (it is built for bundlers); Node and Jest 30+ want the attribute.
export default {
  process(source) {
    return { code: source.replace(/(import\s+\w+\s+from\s+(["'])[^"']+\.json\2)\s*;/g, "$1 with { type: 'json' };") }
  }
}
