-- Undo the transaction's changes (store.transaction, while the error that stopped it propagates).
ROLLBACK;
