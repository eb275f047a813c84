DELETE FROM items WHERE item = $item;
