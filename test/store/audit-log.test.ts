import { describeAuditLogContract } from './audit-log-contract.js';
import { describeAuditLogTamperContract } from './audit-log-tamper-contract.js';
import { databaseKinds } from './test-databases.js';

for (const kind of databaseKinds) {
  describeAuditLogContract(kind);
  describeAuditLogTamperContract(kind);
}
