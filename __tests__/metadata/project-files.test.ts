import { describe, expect, test } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = process.cwd()
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8')
const pkg = JSON.parse(read('package.json')) as {
  name: string
  version: string
  license: string
  repository?: string | { url: string }
}

/** `owner/name` from package.json `repository` (an object or a string, a URL or `github:owner/name`). */
function repositoryOf(repository: string | { url: string } | undefined): string | undefined {
  const url = typeof repository === 'string' ? repository : repository?.url
  const m = url && /^(?:git\+)?(?:https:\/\/github\.com\/|git@github\.com:|github:)?([\w.-]+\/[\w.-]+?)(?:\.git)?$/.exec(url)
  return m ? m[1] : undefined
}

/** Every `uses:` of this action in the text (any owner: a wrong owner must be caught too), with its comment. */
function usesOfThisAction(markdown: string, name: string): { owner: string; ref: string; comment?: string; line: string }[] {
  const re = new RegExp(
    `uses:\\s*([\\w.-]+)/${name.replace(/[.-]/g, '\\$&')}@(<[^>]+>|[^\\s\`#]+)(?:\\s+#\\s*([^\\s\`]+))?(?=[\\s\`]|$)`,
    'gm'
  )
  return [...markdown.matchAll(re)].map((m) => ({ owner: m[1], ref: m[2], comment: m[3], line: m[0] }))
}

/** What a `uses:` of this action must look like: the repository's owner, and `@v<major>` or a SHA with its version. */
function usesProblems(markdown: string, repository: string, version: string): string[] {
  const [owner, name] = repository.split('/')
  const major = /^(\d+)\./.exec(version)?.[1]
  if (!major || major === '0') return [`package.json version ${version} has no major a release can be tagged with (v1 or later)`]
  const problems: string[] = []
  for (const use of usesOfThisAction(markdown, name)) {
    if (use.owner !== owner) problems.push(`${use.line}: the owner is ${owner} (package.json repository)`)
    const pinned = /^[0-9a-f]{40}$/.test(use.ref) || /^<[^>]+>$/.test(use.ref)
    if (use.ref === `v${major}`) continue
    if (!pinned) problems.push(`${use.line}: use @v${major} (the moving major tag) or a full commit SHA`)
    else if (!use.comment || !new RegExp(`^v${major}\\.\\d+\\.\\d+$`).test(use.comment))
      problems.push(`${use.line}: a SHA needs its version in a comment (# v${major}.y.z)`)
  }
  return problems
}

describe('the README names the action as it will be published', () => {
  const repository = repositoryOf(pkg.repository)

  test('package.json names the repository, and it is this action', () => {
    expect(repository).toMatch(new RegExp(`^[\\w.-]+/${pkg.name}$`))
  })

  test.each(['README.md', 'docs/troubleshooting.md'])(
    'every uses: line of %s is <repository>@v<major> or a SHA with its version',
    (file) => {
      const text = read(file)
      expect(usesOfThisAction(text, pkg.name).length).toBeGreaterThan(0)
      expect(usesProblems(text, repository!, pkg.version)).toEqual([])
    }
  )

  test('the rule refuses another owner, a moving minor tag, a bare SHA, a branch and a 0.x version', () => {
    const name = pkg.name
    const sample = [
      `        uses: someone-else/${name}@v1`,
      `        uses: OWNER/${name}@v1.2`,
      `        uses: OWNER/${name}@${'a'.repeat(40)}`,
      `        uses: OWNER/${name}@main`,
      `        uses: OWNER/${name}@${'b'.repeat(40)} # v1.0.0`,
      `        uses: OWNER/${name}@v1`
    ].join('\n')
    expect(usesProblems(sample, `OWNER/${name}`, '1.0.0')).toEqual([
      `uses: someone-else/${name}@v1: the owner is OWNER (package.json repository)`,
      `uses: OWNER/${name}@v1.2: use @v1 (the moving major tag) or a full commit SHA`,
      `uses: OWNER/${name}@${'a'.repeat(40)}: a SHA needs its version in a comment (# v1.y.z)`,
      `uses: OWNER/${name}@main: use @v1 (the moving major tag) or a full commit SHA`
    ])
    expect(usesProblems(sample, `OWNER/${name}`, '0.1.0')).toEqual([
      'package.json version 0.1.0 has no major a release can be tagged with (v1 or later)'
    ])
  })

  test('a Releases section: semantic versions, the moving major tag, pinning by SHA, how a release is cut', () => {
    const releases = /^## Releases\n([\s\S]*?)(?=^## )/m.exec(read('README.md'))?.[1] ?? ''
    const major = pkg.version.split('.')[0]
    expect(releases).toMatch(/[Ss]emantic versions/)
    expect(releases).toContain(`\`v${major}\``)
    expect(releases).toMatch(/full commit SHA/)
    expect(releases).toMatch(/npm run build/)
    expect(releases).toMatch(/git tag -a vX\.Y\.Z/)
    expect(releases).toMatch(new RegExp(`git tag -fa v${major} `))
  })

  test('links to the repository on GitHub name the same one', () => {
    const links = ['README.md', 'CHANGELOG.md', 'SECURITY.md'].flatMap((f) =>
      [...read(f).matchAll(new RegExp(`github\\.com/([\\w.-]+/${pkg.name})`, 'g'))].map((m) => `${f}: ${m[1]}`)
    )
    expect(links.filter((l) => !l.endsWith(`: ${repository}`))).toEqual([])
  })

  test('README links the troubleshooting guide, the changelog and nothing that is missing', () => {
    const readme = read('README.md')
    for (const file of ['docs/troubleshooting.md', 'CHANGELOG.md']) expect(readme).toContain(`(${file})`)
    const local = [...readme.matchAll(/\]\(((?!https?:|#)[^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1])
    expect(local.filter((file) => !existsSync(join(ROOT, file)))).toEqual([])
  })
})

describe('the files of a well-kept action', () => {
  test('LICENSE is the MIT licence package.json names', () => {
    expect(pkg.license).toBe('MIT')
    const license = read('LICENSE')
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} \S/)
    expect(license).toContain('Permission is hereby granted, free of charge, to any person obtaining a copy')
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND')
  })

  test('SECURITY.md says how to report privately, what is supported, and what happens to secrets', () => {
    const security = read('SECURITY.md')
    expect(security).toMatch(/^## Reporting a vulnerability$/m)
    expect(security).toContain('private vulnerability reporting')
    expect(security).toMatch(/^## Supported versions$/m)
    expect(security).toMatch(/^## What the action does with secrets$/m)
    for (const claim of ['core.setSecret', 'HTTPS only', 'TLS verification', 'Least scopes', 'GITHUB_OUTPUT'])
      expect(security).toContain(claim)
  })

  test('SECURITY.md names every input the action masks as a secret (src/main.ts)', () => {
    const security = read('SECURITY.md')
    const main = read('src/main.ts')
    const secretInputs = JSON.parse(/SECRET_INPUTS = (\[[^\]]*\])/.exec(main)![1].replace(/'/g, '"')) as string[]
    expect(secretInputs.length).toBeGreaterThan(0)
    for (const input of secretInputs) expect(security).toContain(`\`${input}\``)
  })

  test('CHANGELOG.md keeps a changelog: an Unreleased section, versions in brackets, links at the bottom', () => {
    const changelog = read('CHANGELOG.md')
    expect(changelog).toContain('[Keep a Changelog](https://keepachangelog.com/')
    expect(changelog).toMatch(/^## \[Unreleased\]$/m)
    for (const [, version] of changelog.matchAll(/^## \[([^\]]+)\]/gm))
      expect(changelog).toMatch(new RegExp(`^\\[${version}\\]: https://`, 'm'))
    for (const [, , date] of changelog.matchAll(/^## \[(\d+\.\d+\.\d+)\] - (.*)$/gm)) expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  })
})
