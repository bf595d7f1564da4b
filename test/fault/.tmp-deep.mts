import { harness } from '../support/harness.ts'
const h = await harness()
const deep = JSON.parse(`${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`)
const cycle = await h.runningCycle()
const instance = (await h.request('GET', `/cycles/${cycle}/instances`)).data.instances[0].id
console.log((await h.request('POST', `/instances/${instance}/actions/confirm`, { json: { actor: '197604152000031002', input: deep } })).status)
console.log((await h.request('POST', `/packages/${h.pkg.id}/simulate`, { json: { roster: [], submissions: [{ deep }] } })).status)
const link = (await h.request('POST', `/instances/${instance}/links`, { json: { nip: instance.split('.').pop() } })).data.url.replace(/^.*\/act\//, '')
console.log((await h.request('POST', `/act/${link}/confirm`, { json: { input: deep } })).status)
