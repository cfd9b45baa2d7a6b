"""EXAMPLE ONLY: the knowledge base and order system of a made-up outdoor-clothing shop.

Part of clearance's bundled example (`make demo`); not a real product or dataset.
"""

from __future__ import annotations

ARTICLES: dict[str, str] = {
    "shipping": "Standard shipping takes 3-5 business days and is free on orders over 50 EUR.",
    "express": "Express shipping costs 9 EUR and arrives the next business day if ordered "
    "before 2 pm.",
    "international": "We ship to 28 countries in Europe; international delivery takes "
    "7-10 business days.",
    "returns": "You can return unworn items within 30 days for a full refund; return "
    "labels are free.",
    "refund_time": "Refunds reach your card within 5 business days after we receive the return.",
    "warranty": "Jackets and tents carry a 2-year warranty against manufacturing defects.",
    "exchange": "Size exchanges are free; start one from your order page within 30 days.",
    "hours": "Customer service is open Monday to Saturday, 8 am to 8 pm CET.",
    "payment": "We accept Visa, Mastercard, PayPal and bank transfer.",
    "sizes": "Our sizes run true to EU sizing; the size guide is on every product page.",
    "repair": "We repair zips and seams for free during the warranty period.",
    "gift_cards": "Gift cards are valid for 3 years and can be used online and in stores.",
}

KEYWORDS: dict[str, tuple[str, ...]] = {
    "express": ("express", "next day", "next-day", "overnight"),
    "international": ("international", "abroad", "which countries", "outside"),
    "shipping": ("shipping", "delivery", "deliver", "ship "),
    "refund_time": ("refund take", "refund arrive", "money back", "when will i get my refund"),
    "returns": ("return", "send back", "send it back"),
    "warranty": ("warranty", "guarantee", "defect"),
    "exchange": ("exchange", "swap", "different size"),
    "hours": ("hours", "open", "opening"),
    "payment": ("pay ", "payment", "paypal", "credit card", "visa", "mastercard"),
    "sizes": ("size guide", "sizing", "run small", "run large", "fit"),
    "repair": ("repair", "broken zip", "zip broke", "seam"),
    "gift_cards": ("gift card", "voucher"),
}

ORDERS: dict[str, dict[str, str]] = {
    "A1001": {"status": "shipped", "eta": "Thursday", "item": "Ridgeline 2 tent"},
    "A1002": {"status": "processing", "eta": "next week", "item": "Summit rain jacket"},
    "A1003": {"status": "delivered", "eta": "delivered on Monday", "item": "Trail socks (3x)"},
    "A1004": {"status": "cancelled", "eta": "n/a", "item": "Alpine gloves"},
}
