"""What each policy key means, in the page's language.

The domain describes its policy keys in English (`inventory.policy.DEFAULTS`); the policy page
shows each description through the catalogue, so `messages_zh.py` holds their Chinese.
`tests/web/test_policy_text.py` fails when a key is added or a description reworded without
this table following, so no description reaches a Chinese page in English.
"""
from __future__ import annotations

from .refusals import N_

DESCRIPTIONS = (
    N_("hours from acceptance within which a requisition line must arrive"),
    N_("RMB per unit of line weight delivered on time"),
    N_("RMB per unit of line weight delivered late"),
    N_("hour (UTC) of the nightly optimizer run; 18 UTC = 02:00 Beijing"),
    N_("expected units over a regional warehouse's cover below which the nightly transfers leave a sku "
       "at HQ; lower holds more of the long tail near the points (README: the trade-off curve)"),
    N_("days of requisitions the nightly targets estimate each warehouse's daily demand from"),
    N_("days' weight of the catalogue's annual demand blended into that estimate (a sku seldom seen still gets a rate)"),
    N_("safety factor of a regional base-stock target: mean plus this many standard deviations of demand over the cover"),
    N_("tenths of the network's targets of a sku that HQ keeps back from the nightly transfers"),
    N_("RMB of stock on hand at cost that the stock plan places across HQ and the regional warehouses"),
    N_("days from an HQ purchase order to the supplier's delivery, on average"),
    N_("days between HQ's purchase reviews"),
    N_("HQ must dispatch a ticket to the provincial centre within"),
    N_("the centre must dispatch to a service point within"),
    N_("the point must contact the customer within (working hours)"),
    N_("visit allowance within 30 km (市内/近郊)"),
    N_("visit allowance beyond 30 km (郊县/远郊)"),
    N_("HQ order-taker fine per late dispatch (seed)"),
    N_("centre order-taker fine per late dispatch (seed)"),
    N_("centre fine to each of its 3 roles (service director, parts admin, chase clerk) per ticket over 7 days "
       "through its cause (shortage, wrong dispatch) (our default; blank in seed)"),
    N_("HQ parts group fine per late or wrong shipment (seed)"),
    N_("regional warehouse fine per late or wrong shipment on a late ticket (our default; the seed names HQ's "
       "parts group only)"),
    N_("point fine per unit not repaired within 72 h (our default; blank in seed)"),
    N_("point fine per unit not repaired within 7 days (our default; blank in seed)"),
    N_("timely-visit bonus per twin-tub unit (seed)"),
    N_("timely-visit bonus per fully automatic unit (seed)"),
    N_("timely-visit bonus for other families (our default)"),
    N_("non-excused hours after which a ticket is over 3 days (三天处理完成), and the point's own hours after "
       "which it is fined (超72小时未完成维修)"),
    N_("non-excused hours after which a ticket is over 7 days (七天处理完成), and the point's own hours after "
       "which the larger fine replaces the 72 h one"),
    N_("share of a centre's tickets over 3 days above which its roles lose the bonus"),
    N_("tickets over 7 days above which the centre's roles lose the bonus and are fined"),
    N_("monthly fine to the service director (our default; blank in seed)"),
    N_("monthly fine to parts admin and chase clerk each (our default; blank in seed)"),
    N_("province -> share of tickets to complete within 3 days (seed 000 三)"),
    N_("3-day target for provinces the seed does not list (our default)"),
    N_("share of tickets to complete within 7 days, everywhere"),
    N_("days waiting for a part the maker did not supply before the customer may exchange (三包)"),
    N_("days after issue by which an old part must be back"),
    N_("share of the part price charged for an overdue or wrong-part return"),
    N_("failed sign-ins for one username within the window after which it is locked"),
    N_("failed sign-ins from one network address within the window after which it is locked"),
    N_("minutes over which failed sign-ins are counted"),
    N_("minutes a locked username or address is refused, even with the right password (HQ may unlock it sooner)"),
    N_("fewest characters in a new web user's password"),
    N_("household unit warranty"),
    N_("household key components (主要部件)"),
    N_("replacement parts"),
    N_("commercial unit warranty"),
    N_("commercial key components"),
    N_("commercial replacement parts"),
    N_("household air conditioner ordinary parts replaced free for life (零配件终身免费更换); off: they follow the unit months below"),
    N_("household air conditioner whole-unit warranty (整机包修六年): the visit fee and the 三包 period, and ordinary parts when not free for life"),
    N_("household air conditioner compressor and other key components (压缩机包修六年)"),
    N_("light commercial air conditioner unit warranty (整机保修六年)"),
    N_("light commercial air conditioner key components"),
    N_("visit fee an out-of-warranty customer pays in a municipality (直辖市)"),
    N_("visit fee an out-of-warranty customer pays in a provincial capital (省会城市)"),
    N_("visit fee an out-of-warranty customer pays in a prefecture city (地级市)"),
    N_("visit fee an out-of-warranty customer pays in a county (县级市)"),
    N_("fee an out-of-warranty customer pays when the unit is repaired at the point (在点, 用户送修)"),
    N_("a point found charging a customer more than allowed pays this many times the excess (多收费金额十倍罚款)"),
    N_("share of the network's yearly issue value (units issued over 365 days x unit cost) that the top-ranked "
       "skus make up: class A"),
    N_("share of the yearly issue value after class A that makes class B; the rest is class C"),
    N_("days between cycle counts of a class A sku in a warehouse"),
    N_("days between cycle counts of a class B sku in a warehouse"),
    N_("days between cycle counts of a class C sku in a warehouse"),
    N_("most skus on one warehouse's cycle count in a day (the most overdue first; the rest wait for the next days)"),
    N_("RMB of a count variance at cost (|variance| x unit cost) up to which it is posted without HQ's approval"),
    N_("share of the book quantity up to which a count variance is posted without HQ's approval (both limits "
       "must hold)"),
    N_("customer price of a part with no list price, as a multiple of its unit cost, rounded up to whole RMB "
       "(our default; the demo catalogue's list prices are made the same way)"),
)
