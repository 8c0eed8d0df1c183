import { describeBankStoreChangesContract } from './bank-store-changes-contract.js';
import { describeBankStoreContract } from './bank-store-contract.js';
import { databaseKinds } from './test-databases.js';

for (const kind of databaseKinds) {
  describeBankStoreContract(kind);
  describeBankStoreChangesContract(kind);
}
