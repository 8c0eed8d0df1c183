import { describeStreamStoreContract } from './stream-store-contract.js';
import { databaseKinds } from './test-databases.js';

for (const kind of databaseKinds) describeStreamStoreContract(kind);
