"""A shopping cart: items, quantities, coupons and totals."""

from decimal import Decimal


class Cart:
    def __init__(self, owner):
        self.owner = owner
        self.items = {}
        self.coupons = []

    def add_item(self, item, quantity=1):
        """Add an item to the cart, or raise its quantity if it is there already."""
        self.items[item] = self.items.get(item, 0) + quantity

    def remove_item(self, item):
        """Remove an item from the cart."""
        self.items.pop(item, None)

    def add_coupon(self, coupon):
        self.coupons.append(coupon)

    def remove_coupon(self, coupon):
        if coupon in self.coupons:
            self.coupons.remove(coupon)

    def item_count(self):
        """Return the number of items in the cart."""
        return sum(self.items.values())

    def coupon_count(self):
        return len(self.coupons)

    def subtotal(self):
        """Return the price of all items before discounts."""
        return sum((item.price * n for item, n in self.items.items()), Decimal(0))

    def total(self):
        discount = sum(c.amount for c in self.coupons)
        return max(self.subtotal() - discount, Decimal(0))
