-- The raw transaction log exactly as it is: a file read in place, or an existing table.
select * from {{ transactions_source() }}  -- noqa: AM04
