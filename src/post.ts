/** The post step (`runs.post`): revokes the token main issued in `mode: token`. */
export { runPost as run } from './token/revoke.js'
