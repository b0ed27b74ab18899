"""Products and suppliers of the shop."""


class Inventory:
    def __init__(self):
        self.products = {}
        self.suppliers = {}

    def find_product(self, sku):
        """Return the product with the given SKU, or None if there is none."""
        return self.products.get(sku)

    def find_supplier(self, sku):
        return self.suppliers.get(sku)

    def add_product(self, product):
        """Add a product to the inventory, keyed by its SKU."""
        self.products[product.sku] = product

    def add_supplier(self, supplier):
        self.suppliers[supplier.sku] = supplier

    def restock(self, sku, amount):
        product = self.products[sku]
        product.stock += amount
        return product.stock
