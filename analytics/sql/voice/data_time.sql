-- The newest time in the demands (received or answered): the "as of" of the answering figures when none is given.
SELECT greatest(max(received_at), max(answered_at)) AS as_of FROM demands;
