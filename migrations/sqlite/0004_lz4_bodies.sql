-- PostgreSQL only (column compression); kept so both engines share version numbers.
SELECT 1;
