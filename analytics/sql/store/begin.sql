-- Start an all-or-nothing transaction (store.transaction).
BEGIN TRANSACTION;
