"""Column → field suggestions for Chinese and English headers, and mapping checks."""

import pytest

from kehu.imports.fields import targets
from kehu.imports.mapping import fold, suggest, validate_mapping


@pytest.fixture(scope="module")
def t():
    return targets()


def test_fold():
    assert fold("手机号码（必填）") == "手机号码必填"
    assert fold(" E-Mail Address ") == "emailaddress"
    assert fold("電話") == "电话"
    assert fold("ＮＡＭＥ") == "name"


def test_customers_chinese(t):
    headers = ["客户编号", "姓名", "手机号码", "备用电话", "邮箱", "生日", "省份", "城市", "区县", "详细地址",
               "邮编", "身份证号", "统一社会信用代码", "客户等级", "来源", "微信号", "标签", "负责人", "性别"]
    assert suggest(headers, t["customers"]) == {
        "客户编号": "external_id", "姓名": "display_name", "手机号码": "phone", "备用电话": "phone2",
        "邮箱": "email", "生日": "birth_date", "省份": "address_province", "城市": "address_city",
        "区县": "address_district", "详细地址": "address_line1", "邮编": "address_postal_code",
        "身份证号": "id_number", "统一社会信用代码": "registration_number", "客户等级": "tier",
        "来源": "acquisition_source", "微信号": "wechat", "标签": "tags", "负责人": "owner", "性别": None,
    }


def test_customers_english(t):
    headers = ["ID", "Full Name", "First Name", "Last Name", "Mobile", "E-mail", "Date of Birth",
               "Province", "City", "District", "Address", "Postal Code", "Tier", "Source", "Owner",
               "WeChat", "Registration Number", "Gender"]
    assert suggest(headers, t["customers"]) == {
        "ID": "external_id", "Full Name": "display_name", "First Name": "given_name",
        "Last Name": "family_name", "Mobile": "phone", "E-mail": "email",
        "Date of Birth": "birth_date", "Province": "address_province", "City": "address_city",
        "District": "address_district", "Address": "address_line1",
        "Postal Code": "address_postal_code", "Tier": "tier", "Source": "acquisition_source",
        "Owner": "owner", "WeChat": "wechat", "Registration Number": "registration_number",
        "Gender": None,
    }


def test_split_names_and_traditional_and_noisy_headers(t):
    assert suggest(["姓", "名", "電話", "電子郵件", "客户名称*", "手机号码（必填）"], t["customers"]) == {
        "姓": "family_name", "名": "given_name", "電話": "phone", "電子郵件": "email",
        "客户名称*": "display_name", "手机号码（必填）": None,  # phone went to the exact 電話
    }
    assert suggest(["手机号码（必填）", "Mobile-No."], t["customers"]) == {
        "手机号码（必填）": "phone", "Mobile-No.": None}


def test_orders_chinese(t):
    headers = ["订单号", "下单时间", "客户手机", "客户编号", "商品编码", "商品名称", "数量", "单价", "折扣",
               "门店", "渠道", "状态", "币种", "金额"]
    assert suggest(headers, t["orders"]) == {
        "订单号": "order_external_id", "下单时间": "ordered_at", "客户手机": "customer_phone",
        "客户编号": "customer_external_id", "商品编码": "sku", "商品名称": None, "数量": "quantity",
        "单价": "unit_price", "折扣": "discount", "门店": "store", "渠道": "channel", "状态": "status",
        "币种": "currency", "金额": None,
    }


def test_orders_english_and_plain_phone(t):
    headers = ["Order Number", "Order Date", "Customer Email", "SKU", "Qty", "Unit Price",
               "Discount", "Store", "Channel", "Status", "Currency", "Total"]
    assert suggest(headers, t["orders"]) == {
        "Order Number": "order_external_id", "Order Date": "ordered_at",
        "Customer Email": "customer_email", "SKU": "sku", "Qty": "quantity",
        "Unit Price": "unit_price", "Discount": "discount", "Store": "store",
        "Channel": "channel", "Status": "status", "Currency": "currency", "Total": None,
    }
    # An order row's plain "手机" is its customer's; a contact's "手机" is the contact's own.
    assert suggest(["日期", "手机", "货号"], t["orders"]) == {
        "日期": "ordered_at", "手机": "customer_phone", "货号": "sku"}
    assert suggest(["联系人", "客户编号", "手机", "职位"], t["contacts"]) == {
        "联系人": "name", "客户编号": "customer_external_id", "手机": "phone", "职位": "role"}


def test_products(t):
    assert suggest(["商品名称", "SKU", "类别", "售价", "成本", "品名"], t["products"]) == {
        "商品名称": "name", "SKU": "sku", "类别": "category", "售价": "price", "成本": "cost",
        "品名": None}


def test_each_field_once_best_score_wins(t):
    # "联系电话" is an exact phone synonym; "客户手机号码2" only contains one.
    assert suggest(["客户手机号码2", "联系电话"], t["customers"]) == {
        "客户手机号码2": None, "联系电话": "phone"}


def test_extra_custom_fields(t):
    extra = {"custom:points": ["Points", "会员积分", "points"]}
    assert suggest(["姓名", "会员积分", "Points"], t["customers"], extra=extra) == {
        "姓名": "display_name", "会员积分": "custom:points", "Points": None}


def test_validate_mapping_clean(t):
    assert validate_mapping({"名称": "display_name", "x": None}, t["customers"]) == []
    ok = {"订单号": "order_external_id", "手机": "customer_phone", "时间": "ordered_at",
          "货号": "sku", "数量": "quantity", "单价": "unit_price"}
    assert validate_mapping(ok, t["orders"]) == []


def test_validate_mapping_problems(t):
    problems = validate_mapping({"a": "sku", "b": "sku", "c": "bogus", "d": None}, t["orders"])
    assert len(problems) == 6
    assert "“c”" in problems[0] and "unknown field “bogus”" in problems[0]
    assert "more than one column: a, b" in problems[1]
    assert [p for p in problems if "required" in p] == [
        "Map a column to “ordered at”: it is required.",
        "Map a column to “quantity”: it is required.",
        "Map a column to “unit price”: it is required."]
    assert "names the customer" in problems[-1] and "customer phone" in problems[-1]


def test_validate_mapping_customer_reference_and_custom_keys(t):
    consent = {"手机": "customer_phone", "用途": "purpose", "渠道": "channel", "同意": "granted"}
    assert validate_mapping(consent, t["consents"]) == []
    del consent["手机"]
    assert any("names the customer" in p for p in validate_mapping(consent, t["consents"]))
    assert validate_mapping({"名": "display_name", "积分": "custom:points"}, t["customers"]) == []
    assert validate_mapping({"名": "display_name", "积分": "custom:points"}, t["customers"],
                            extra=["custom:level"])[0].endswith("unknown field “custom:points”.")
