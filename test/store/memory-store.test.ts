import { createMemoryStore } from '../../src/store/memory-store.ts'
import { storeContract } from './contract.ts'

storeContract('memory', async () => ({ store: createMemoryStore() }), {
  cannot: { reopen: 'a memory store holds its data only as long as its process runs' },
})
