import { runPost } from './token/revoke.js'

void runPost()
