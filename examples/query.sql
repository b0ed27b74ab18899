SELECT customer_id, COUNT(*) AS orders
FROM orders
WHERE created_at >= '2024-01-01'
GROUP BY customer_id
ORDER BY orders DESC
LIMIT 10;
