/**
 * How each form builder would deliver a fixture: the secret a binding uses and the headers (and
 * query) it signs the exact bytes with, as webhooks.md section 10 describes.
 */
import { hmacSha256 } from '../../src/util/crypto.ts'

export const FIXTURES = new URL('../fixtures/webhooks/', import.meta.url).pathname

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))

export interface BuilderDelivery {
  /** The binding's secret (set as an environment variable). */
  secret: string
  /** Headers for these exact bytes. */
  headers(body: string): Promise<Record<string, string>>
  /** Appended to the hook URL. */
  query?: string
}

export const FORMBRICKS_TIMESTAMP = 1772590450

export const BUILDERS: Record<string, BuilderDelivery> = {
  kobo: {
    secret: 'kobo-hook:kobo_test_pw_41x',
    headers: async () => ({ 'content-type': 'application/json', authorization: `Basic ${btoa('kobo-hook:kobo_test_pw_41x')}` }),
  },
  'google-forms': {
    secret: 'gas_test_secret_kL93',
    headers: async (body) => ({ 'content-type': 'application/json; charset=utf-8', 'x-appraisal-signature': `sha256=${b64(await hmacSha256('gas_test_secret_kL93', body))}` }),
  },
  tally: {
    secret: 'tally_test_secret_7Qm2',
    headers: async (body) => ({ 'content-type': 'application/json', 'tally-signature': b64(await hmacSha256('tally_test_secret_7Qm2', body)) }),
  },
  typeform: {
    secret: 'typeform_test_secret_Zx81',
    headers: async (body) => ({ 'content-type': 'application/json', 'typeform-signature': `sha256=${b64(await hmacSha256('typeform_test_secret_Zx81', body))}` }),
  },
  jotform: {
    secret: 'jf_test_8c1d4e',
    headers: async (body) => ({ 'content-type': `multipart/form-data; boundary=${body.slice(2, body.indexOf('\r\n'))}` }),
    query: '?token=jf_test_8c1d4e',
  },
  formbricks: {
    secret: 'whsec_Zm9ybWJyaWNrcy10ZXN0LWtleS0zMi1ieXRlcyEhISE=',
    headers: async () => ({
      'content-type': 'application/json',
      'webhook-id': '887d8568a22c2ce8875cbfcb46926b7351332c808a4f66a4483a28cfe24595d4',
      'webhook-timestamp': String(FORMBRICKS_TIMESTAMP),
      'webhook-signature': 'v1,WM5AOuLn2PZ/2SJX6oYNDR0b4eRgqvZNNoUU9kNCTQM=',
    }),
  },
  surveyjs: {
    secret: 'sjs_test_token_3f9a2c',
    headers: async () => ({ 'content-type': 'application/json', 'x-kinerja-token': 'sjs_test_token_3f9a2c' }),
  },
}
