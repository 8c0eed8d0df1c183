import { describeKeyStoreContract } from './key-store-contract.js';
import { databaseKinds } from './test-databases.js';

for (const kind of databaseKinds) describeKeyStoreContract(kind);
