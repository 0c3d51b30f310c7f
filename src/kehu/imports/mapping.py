"""Guess which column of an uploaded file feeds which import field, and check a mapping.

Headers are compared folded (full-width → ASCII, traditional → simplified, case, spaces and
punctuation ignored) against synonyms people actually put in Chinese and English spreadsheets,
plus each field's key and label in every language. The wizard shows the guess for the user to
correct, so a wrong guess costs a click, but a confident wrong guess hides: exact names beat
partial ones and each field is given to one column only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import override

from kehu.identity.names import to_simplified

from .fields import Field, Target

_CUSTOMER = {
    "external_id": "外部编号|客户编号|客户id|客户代码|编号|会员编号|会员号|会员卡号|external id|"
                   "customer id|customer no|customer number|customer code|member id|id|code|no",
    "kind": "客户类型|个人/企业|kind|customer type|type",
    "display_name": "姓名|名字|客户名称|客户名|客户姓名|名称|全名|公司名称|企业名称|单位名称|name|"
                    "full name|customer name|display name|company name",
    "given_name": "名|given name|first name|forename",
    "family_name": "姓|姓氏|family name|last name|surname",
    "legal_name": "法定名称|公司全称|企业全称|工商注册名称|注册名称|legal name",
    "registration_number": "统一社会信用代码|社会信用代码|信用代码|营业执照号|营业执照号码|税号|"
                           "纳税人识别号|registration number|registration no|tax id|uscc",
    "id_number": "身份证|身份证号|身份证号码|证件号|证件号码|id number|id card|id no|national id",
    "birth_date": "生日|出生日期|出生年月日|date of birth|dob|birthday|birth date",
    "nature": "客户性质|性质|nature|customer nature",
    "lifecycle_stage": "生命周期|生命周期阶段|阶段|客户阶段|lifecycle stage|lifecycle|stage",
    "tier": "等级|客户等级|客户级别|级别|会员等级|tier|level|grade|customer tier",
    "acquisition_source": "来源|客户来源|获客来源|线索来源|source|lead source|acquisition source",
    "owner": "负责人|销售|销售代表|业务员|客户经理|归属人|跟进人|owner|sales rep|account manager|"
             "assigned to",
    "tags": "标签|客户标签|tags|tag|labels",
    "phone": "手机|手机号|手机号码|电话|电话号码|联系电话|移动电话|联系方式|mobile|phone|tel|"
             "telephone|mobile phone|cell|cellphone|phone number|mobile number",
    "phone2": "电话2|手机2|备用电话|备用手机|其他电话|第二电话|固定电话|座机|phone 2|second phone|"
              "other phone|alternate phone|landline",
    "email": "邮箱|电子邮件|电子邮箱|邮件|邮箱地址|email|e-mail|mail|email address",
    "wechat": "微信|微信号|wechat|wechat id|weixin",
    "address_province": "省|省份|所在省份|province|state",
    "address_city": "城市|市|所在城市|city",
    "address_district": "区|区县|县区|区/县|district|county",
    "address_line1": "地址|详细地址|街道地址|联系地址|通讯地址|收货地址|address|street|"
                     "street address|address line 1",
    "address_postal_code": "邮编|邮政编码|postal code|postcode|zip|zip code",
    "address_kind": "地址类型|address kind|address type",
}
_CUSTOMER_REF = {
    "customer_external_id": "客户编号|客户外部编号|客户id|客户代码|会员编号|会员号|会员卡号|"
                            "customer id|customer external id|customer no|customer number|"
                            "customer code|member id",
    "customer_phone": "客户手机|客户电话|客户手机号|客户手机号码|客户联系电话|会员手机|会员手机号|"
                      "customer phone|customer mobile",
    "customer_email": "客户邮箱|客户电子邮件|会员邮箱|customer email|customer e-mail",
    "customer_registration_number": "客户统一社会信用代码|客户信用代码|客户税号|"
                                    "customer registration number",
}
_SKU = "商品编码|sku|货号|商品编号|产品编码|产品编号|商品代码|物料编码|product code|item code|item no"
_SYNONYMS: dict[str, dict[str, str]] = {
    "customers": _CUSTOMER,
    "contacts": {
        **_CUSTOMER_REF,
        "name": "联系人|联系人姓名|姓名|名字|name|contact|contact name",
        "role": "职位|职务|角色|岗位|role|title|position|job title",
        "phone": _CUSTOMER["phone"],
        "email": _CUSTOMER["email"],
        "is_primary": "主要联系人|首要联系人|主联系人|是否主要联系人|primary|primary contact|is primary",
    },
    "products": {
        "sku": _SKU,
        "name": "商品名称|品名|产品名称|名称|商品名|商品|产品|product name|item name|name|product",
        "category": "类别|分类|品类|商品分类|类目|category",
        "price": "价格|售价|单价|零售价|标价|price|retail price|list price|unit price",
        "cost": "成本|成本价|进价|采购价|cost|cost price",
        "is_active": "是否有效|启用|是否启用|在售|上架|active|is active|enabled",
    },
    "orders": {
        **_CUSTOMER_REF,
        "order_external_id": "订单号|订单编号|订单id|订单号码|单号|order id|order number|order no|order",
        "ordered_at": "下单时间|订单日期|日期|订单时间|下单日期|购买日期|购买时间|交易时间|交易日期|"
                      "成交时间|时间|order date|ordered at|order time|purchase date|date",
        "channel": "渠道|销售渠道|下单渠道|channel|sales channel",
        "store": "门店|店铺|门店名称|店铺名称|商店|store|shop|store name",
        "status": "状态|订单状态|status|order status",
        "currency": "币种|货币|币别|currency",
        "sku": _SKU,
        "quantity": "数量|购买数量|件数|qty|quantity|pcs",
        "unit_price": "单价|价格|售价|成交价|unit price|price",
        "discount": "折扣|优惠|优惠金额|折扣金额|discount",
    },
    "interactions": {
        **_CUSTOMER_REF,
        "occurred_at": "时间|日期|发生时间|联系时间|跟进时间|沟通时间|拜访时间|when|date|time|"
                       "occurred at",
        "channel": "渠道|沟通方式|联系渠道|channel",
        "direction": "方向|呼入呼出|呼入/呼出|direction",
        "type": "类型|互动类型|跟进类型|跟进方式|type|interaction type|activity type",
        "subject": "主题|标题|事由|subject|title",
        "notes": "备注|内容|记录|跟进内容|沟通内容|跟进记录|说明|notes|note|comments|content",
    },
    "consents": {
        **_CUSTOMER_REF,
        "purpose": "用途|目的|同意用途|purpose",
        "channel": "渠道|联系渠道|channel",
        "granted": "是否同意|同意|已同意|授权|granted|consent|opt in|opted in|agreed",
        "recorded_at": "时间|日期|记录时间|同意时间|授权时间|when|date|recorded at",
        "source": "来源|获取方式|记录方式|how|source",
        "note": "备注|说明|note|notes|comment",
    },
    "leads": {
        "name": "姓名|名字|联系人|联系人姓名|客户姓名|name|full name|contact|contact name",
        "company": "公司|公司名称|企业|企业名称|单位|单位名称|company|company name|organisation|organization",
        "job_title": "职位|职务|岗位|头衔|job title|title|position",
        "phone": _CUSTOMER["phone"],
        "email": _CUSTOMER["email"],
        "wechat": _CUSTOMER["wechat"],
        "region": "地区|区域|省市|所在地|城市|省份|region|area|city|province",
        "source": "来源|线索来源|客户来源|渠道来源|获客渠道|source|lead source",
        "campaign": "活动|活动名称|市场活动|展会|会议|campaign|event|campaign name",
        "owner": _CUSTOMER["owner"],
        "referrer_phone": "介绍人手机|介绍人电话|推荐人手机|推荐人电话|referrer phone|referred by phone",
        "referrer_email": "介绍人邮箱|推荐人邮箱|referrer email|referred by email",
        "notes": "备注|说明|需求|留言|notes|note|comments|message",
    },
}
# A row of orders (etc.) that just says "手机" means the customer's phone, unless the target
# has a phone of its own (contacts).
_REF_FALLBACK = {"customer_phone": "phone", "customer_email": "email",
                 "customer_registration_number": "registration_number"}

EXACT, NOTE_STRIPPED, FALLBACK, CONTAINS = 100, 95, 80, 40
_NOTE = re.compile(r"\(.*?\)|\[.*?\]|【.*?】|\*|必填|选填|可选|required|optional")
_CJK = re.compile(r"[\u3400-\u9fff]")


def fold(text: str) -> str:
    """手机号码（必填） and "Mobile-No." compare as plain lowercase letters, digits and hanzi."""
    text = to_simplified(unicodedata.normalize("NFKC", text or "")).casefold()
    return re.sub(r"[\W_]+", "", text)


def _strip_note(text: str) -> str:
    return fold(_NOTE.sub("", to_simplified(unicodedata.normalize("NFKC", text)).casefold()))


def _names(field: Field, synonyms: str) -> set[str]:
    names = {field.key, *synonyms.split("|")}
    for language in ("en", "zh-hans", "zh-hant"):
        with override(language):
            names.add(str(field.label))
    return {n for n in map(fold, names) if n}


def _score(header: str, names: set[str], exact: int) -> int:
    folded = fold(header)
    if folded in names:
        return exact
    if _strip_note(header) in names:
        return exact - (EXACT - NOTE_STRIPPED)
    # Partial: "客户手机号码" contains "手机号码"; short Latin names ("id", "tel") would match
    # inside unrelated words, one hanzi ("名") inside most Chinese headers.
    contained = [n for n in names if (len(n) >= 2 if _CJK.search(n) else len(n) >= 4) and n in folded]
    return (exact - EXACT + CONTAINS + min(max(map(len, contained)), 20)) if contained else 0


def _candidates(target: Target, extra: dict[str, list[str]]):
    """(key, names, exact score) per field of the target, then per extra field."""
    table = _SYNONYMS.get(target.name, {})
    keys = {f.key for f in target.fields}
    for field in target.fields:
        yield field.key, _names(field, table.get(field.key, "")), EXACT
        plain = _REF_FALLBACK.get(field.key)
        if plain and plain not in keys:
            yield field.key, {fold(n) for n in _CUSTOMER[plain].split("|")}, FALLBACK
    for key, synonyms in extra.items():
        yield key, {n for n in map(fold, [key, *synonyms]) if n}, EXACT


def suggest(headers: list[str], target: Target, extra: dict[str, list[str]] | None = None
            ) -> dict[str, str | None]:
    """Header → field key (or None); best scores are served first, earlier columns win ties."""
    scored = []
    order = {}
    for key, names, exact in _candidates(target, extra or {}):
        order.setdefault(key, len(order))
        for i, header in enumerate(headers):
            if score := _score(header, names, exact):
                scored.append((-score, i, order[key], key))
    mapping: dict[str, str | None] = dict.fromkeys(headers)
    taken: set[str] = set()
    for _neg, i, _order, key in sorted(scored):
        if mapping[headers[i]] is None and key not in taken:
            mapping[headers[i]] = key
            taken.add(key)
    return mapping


def validate_mapping(mapping: dict[str, str | None], target: Target,
                     extra: Iterable[str] | None = None) -> list[str]:
    """What stops an import with this mapping; empty when it can run.

    ``extra``: the custom field keys allowed; None accepts any ``custom:<key>`` for customers
    (checking those needs the database)."""
    problems = []
    allowed = {f.key for f in target.fields} | set(extra or ())
    any_custom = extra is None and target.name == "customers"
    columns: dict[str, list[str]] = {}
    for header, key in mapping.items():
        if not key:
            continue
        if key not in allowed and not (any_custom and key.startswith("custom:")):
            problems.append(_("Column “%(column)s” is mapped to an unknown field “%(field)s”.")
                            % {"column": header, "field": key})
        columns.setdefault(key, []).append(header)
    for key, headers in columns.items():
        if len(headers) > 1:
            problems.append(_("“%(field)s” is mapped from more than one column: %(columns)s.") % {
                "field": _label(target, key), "columns": ", ".join(headers)})
    for field in target.fields:
        if field.required and field.key not in columns:
            problems.append(_("Map a column to “%(field)s”: it is required.") % {
                "field": field.label})
    refs = [f for f in target.fields if f.key_of == "customer" and f.key.startswith("customer_")]
    if refs and not any(f.key in columns for f in refs):
        problems.append(_("Map a column that names the customer: %(fields)s.") % {
            "fields": ", ".join(str(f.label) for f in refs)})
    return problems


def _label(target: Target, key: str) -> str:
    field = target.field(key)
    return str(field.label) if field else key
