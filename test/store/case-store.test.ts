import { describeCaseStoreContract } from './case-store-contract.js';
import { databaseKinds } from './test-databases.js';

for (const kind of databaseKinds) describeCaseStoreContract(kind);
