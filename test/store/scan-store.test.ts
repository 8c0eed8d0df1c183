import { describeScanStoreContract } from './scan-store-contract.js';
import { databaseKinds } from './test-databases.js';

for (const kind of databaseKinds) describeScanStoreContract(kind);
