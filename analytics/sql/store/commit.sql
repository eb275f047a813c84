-- Keep the transaction's changes (store.transaction: a failure here is reported naming the file).
COMMIT;
