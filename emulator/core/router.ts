import type { Handler } from './http.js'

interface Route {
  method: string
  pattern: string
  regex: RegExp
  names: string[]
  handler: Handler
}

export interface Match {
  handler: Handler
  params: Record<string, string>
  pattern: string
}

/**
 * Method + path-template router. `{name}` matches one segment; `{name+}` matches the rest of the path
 * (one or more segments). Routes are tried in registration order.
 */
export class Router {
  private readonly routes: Route[] = []

  add(method: string, pattern: string, handler: Handler): this {
    const names: string[] = []
    const source = pattern
      .split('/')
      .map((seg) => {
        const m = /^\{(\w+)(\+)?\}$/.exec(seg)
        if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        names.push(m[1])
        return m[2] ? '(.+)' : '([^/]+)'
      })
      .join('/')
    this.routes.push({ method: method.toUpperCase(), pattern, regex: new RegExp(`^${source}/?$`), names, handler })
    return this
  }

  get(p: string, h: Handler): this {
    return this.add('GET', p, h)
  }
  post(p: string, h: Handler): this {
    return this.add('POST', p, h)
  }
  put(p: string, h: Handler): this {
    return this.add('PUT', p, h)
  }
  patch(p: string, h: Handler): this {
    return this.add('PATCH', p, h)
  }
  delete(p: string, h: Handler): this {
    return this.add('DELETE', p, h)
  }

  /** The matching route, `'method'` when only the method differs, or undefined. */
  match(method: string, path: string): Match | 'method' | undefined {
    let pathMatched = false
    for (const r of this.routes) {
      const m = r.regex.exec(path)
      if (!m) continue
      pathMatched = true
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue
      const params: Record<string, string> = {}
      r.names.forEach((n, i) => (params[n] = safeDecode(m[i + 1])))
      return { handler: r.handler, params, pattern: r.pattern }
    }
    return pathMatched ? 'method' : undefined
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
