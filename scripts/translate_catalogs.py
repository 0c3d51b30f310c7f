#!/usr/bin/env python3
"""Fill Kehu's Chinese catalogs (src/kehu/locale/zh_Hans, zh_Hant) from the dictionaries below.

The step after ``make messages`` (makemessages) and before compilemessages::

    make messages
    .venv/bin/python scripts/translate_catalogs.py
    cd src/kehu && ../../.venv/bin/kehu compilemessages -l zh_Hans -l zh_Hant

Every msgid of every catalog (domains django and djangojs) must have an entry in the dictionary of
its language: a msgid that has none is listed and the script exits 1 (the .po is still written
with everything else filled in). Add the new strings to ZH_HANS and ZH_HANT, run again, compile.

Keys are msgids exactly as in the .po: template strings keep Django's doubled percent ("%%s"),
``{% blocktranslate %}`` variables appear as %(name)s. Placeholders in a translation must be the
msgid's (checked here and in tests/web/test_i18n.py). A message with a context is keyed
``(context, msgid)``; a plural message by its singular msgid, with one msgstr (zh: nplurals=1).

Options:
    --check    write nothing; exit 1 if a catalog is missing, fuzzy or differs from the dictionaries
    --suggest  print dictionary lines for missing msgids (zh_Hant drafted from zh_Hans with OpenCC
               s2twp when opencc-python-reimplemented is installed: a dev helper, review its output)

Only Babel is needed (a Kehu dependency); no gettext tools.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "src" / "kehu" / "locale"
DOMAINS = ("django", "djangojs")
LANGUAGE_TEAMS = {"zh_Hans": "Chinese (Simplified)", "zh_Hant": "Chinese (Traditional)"}
TRANSLATOR = "Kehu contributors (scripts/translate_catalogs.py)"

# Python %-format placeholders, as gettext's python-format check sees them ("%%" is a literal %).
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])")


def placeholders(text: str) -> tuple[list[str], list[str]]:
    """(sorted named placeholders, positional placeholders in order), ignoring "%%"."""
    named, positional = [], []
    for match in PLACEHOLDER.finditer(text):
        name, conversion = match.groups()
        if conversion == "%":
            continue
        if name is not None:
            named.append(match.group(0))
        else:
            positional.append(match.group(0))
    return sorted(set(named)), positional


# fmt: off
ZH_HANS = {
    # --- Apps, languages, roles -----------------------------------------------------------
    "Accounts": "账户",
    "Customers": "客户",
    "Orders": "订单",
    "Privacy and audit": "隐私与审计",
    "Web": "网站",
    "English": "英语",
    "Simplified Chinese": "简体中文",
    "Traditional Chinese": "繁体中文",
    "Administrator": "管理员",
    "Manager": "经理",
    "Sales rep": "销售代表",
    "Service agent": "客服专员",
    "Marketer": "营销专员",
    # --- Teams ----------------------------------------------------------------------------
    "name": "名称",
    "members": "成员",
    "team": "团队",
    "teams": "团队",
    "manages this team": "管理此团队",
    "team membership": "团队成员关系",
    "team memberships": "团队成员关系",
    # --- Custom field validation ----------------------------------------------------------
    "must be text": "必须是文本",
    "must be a whole number": "必须是整数",
    "must be a number": "必须是数字",
    "must be a date (YYYY-MM-DD)": "必须是日期（YYYY-MM-DD）",
    "must be true or false": "必须是“是”或“否”",
    "must be one of: %(choices)s": "必须是以下值之一：%(choices)s",
    "must be a list of: %(choices)s": "必须是由以下值组成的列表：%(choices)s",
    "has an unknown type": "类型未知",
    "This field is required.": "此字段为必填项。",
    "%(label)s %(reason)s (got %(value)r).": "%(label)s %(reason)s（收到的值：%(value)r）。",
    "Unknown custom field “%(key)s”.": "未知的自定义字段“%(key)s”。",
    # --- Customer form ----------------------------------------------------------------------
    "Kind": "类型",
    "Family name": "姓",
    "Given name": "名",
    "Legal name": "法定名称",
    "Display name": "显示名称",
    "Leave empty to build it from the names.": "留空则根据姓名自动生成。",
    "Registration number": "注册号",
    "ID number": "证件号码",
    "Nature": "客户性质",
    "Lifecycle stage": "生命周期阶段",
    "Acquisition source": "客户来源",
    "Owner": "负责人",
    "Team": "团队",
    "Tags": "标签",
    "Separate tags with commas.": "多个标签用逗号分隔。",
    "Mobile phone": "手机",
    "Email": "电子邮件",
    "Channel": "渠道",
    "Value": "值",
    "Verified": "已验证",
    "Primary": "主要",
    "Purpose": "用途",
    "Decision": "决定",
    "Granted": "同意",
    "Withdrawn": "撤回同意",
    "How": "获取方式",
    "Note": "备注",
    # --- Customer choices (CONCEPTS §1, §3, §4) ---------------------------------------------
    "Person": "个人",
    "Organisation": "机构",
    "Government & non-profit": "政府机构及非盈利机构",
    "Special business partner": "特殊公司",
    "Ordinary company": "普通公司",
    "Individual / trading partner": "交易伙伴及客户个人",
    "Prospect": "潜在客户",
    "New": "新客户",
    "Active": "活跃",
    "At risk": "有流失风险",
    "Lost": "已流失",
    "Won back": "已挽回",
    "A · VIP": "A · VIP客户",
    "B · Major": "B · 主要客户",
    "C · Ordinary": "C · 普通客户",
    "D · Small": "D · 小客户",
    "Door-to-door visit": "逐户访问",
    "Advertising": "广告搜寻",
    "Data look-up": "资料查询",
    "Meeting or trade show": "会议寻找",
    "Club": "俱乐部",
    "Telephone": "电话探寻",
    "Consulting": "咨询寻找",
    "Won from a competitor": "抢夺客户",
    "Direct mail": "直接邮寄",
    "Referral": "连锁介绍",
    # Shared by the lead source (短信开拓), the interaction and the consent channel: plain 短信.
    "SMS": "短信",
    "Online": "网络开发",
    "Walk-in / store": "到店 / 门店",
    "Other": "其他",
    # --- Customer model fields --------------------------------------------------------------
    "kind": "类型",
    "given name": "名",
    "family name": "姓",
    "legal name": "法定名称",
    "registration number": "注册号",
    "nature": "客户性质",
    "lifecycle stage": "生命周期阶段",
    "tier": "客户等级",
    "acquisition source": "客户来源",
    "owner": "负责人",
    "tags": "标签",
    "custom fields": "自定义字段",
    "created": "创建时间",
    "updated": "更新时间",
    "Enter the customer's name.": "请输入客户名称。",
    "Back to the customer list": "返回客户列表",
    "Enter the customer's name (family and given name, or the legal name of an organisation).":
        "请输入客户名称（个人填写姓和名，机构填写法定名称）。",
    ("audit action", "created"): "已创建",
    ("audit action", "updated"): "已更新",
    ("audit action", "deleted"): "已删除",
    ("lead source", "SMS"): "短信开拓",
    "version": "版本",
    "customer": "客户",
    "customers": "客户",
    "Can see every customer, whoever owns it": "可查看所有客户（无论负责人是谁）",
    "customer share": "客户共享",
    "customer shares": "客户共享",
    "tag": "标签",
    # --- Custom field definitions -----------------------------------------------------------
    "Text": "文本",
    "Whole number": "整数",
    "Decimal number": "小数",
    "Date": "日期",
    "Yes / no": "是 / 否",
    "One of a list": "单选",
    "Several of a list": "多选",
    "key": "标识",
    "type": "类型",
    "label (English)": "显示名称（英文）",
    "label (Chinese)": "显示名称（中文）",
    "required": "必填",
    "choices": "可选值",
    "For choice fields: a list of allowed values.": "仅用于选择类字段：允许的取值列表。",
    "applies to": "适用于",
    "Leave empty for every customer.": "留空表示适用于所有客户。",
    "position": "排序",
    "custom field": "自定义字段",
    "List the allowed values, e.g. [\"gold\", \"silver\"].": "请列出允许的取值，例如 [\"gold\", \"silver\"]。",
    "Only choice fields have a list of values.": "只有选择类字段才有可选值列表。",
    # --- Contacts, addresses, channel identities --------------------------------------------
    "role": "职务",
    "phone": "电话",
    "email": "电子邮件",
    "primary contact": "主要联系人",
    "contact": "联系人",
    "contacts": "联系人",
    "Home": "家庭",
    "Work": "单位",
    "Billing": "账单",
    "Shipping": "收货",
    "country": "国家/地区",
    "province": "省份",
    "city": "城市",
    "district": "区县",
    "street address": "详细地址",
    "postal code": "邮政编码",
    "primary address": "主要地址",
    "address": "地址",
    "addresses": "地址",
    "Phone": "电话",
    "WeChat": "微信",
    "Store card": "会员卡",
    "Web account": "网站账号",
    "channel": "渠道",
    "value as entered": "原始输入值",
    "normalised value": "规范化值",
    "verified": "已验证",
    "primary": "主要",
    "channel identity": "渠道身份",
    "channel identities": "渠道身份",
    # --- Interactions -----------------------------------------------------------------------
    "Store": "门店",
    "In person": "当面",
    "Inbound": "客户发起",
    "Outbound": "我方发起",
    "Call": "电话",
    "Visit": "拜访",
    "Chat": "在线聊天",
    "Meeting": "会面",
    "Store visit": "到店",
    "direction": "方向",
    "subject": "主题",
    "notes": "备注",
    "when": "时间",
    "by": "操作人",
    "interaction": "互动记录",
    "interactions": "互动记录",
    # --- Validation and services ------------------------------------------------------------
    "Enter a phone number.": "请输入电话号码。",
    "“%(value)s” is not a phone number.": "“%(value)s”不是电话号码。",
    "“%(value)s” is not a valid phone number.": "“%(value)s”不是有效的电话号码。",
    "“%(value)s” is not an email address.": "“%(value)s”不是电子邮件地址。",
    "Enter a value.": "请输入值。",
    "This customer was changed by someone else while you were editing (now version %(v)s). Reload to see their change, then edit again.":
        "您编辑期间，此客户已被他人修改（当前版本为 %(v)s）。请重新加载页面查看对方的修改，然后再编辑。",
    "%(value)s is already recorded for another customer. Merge the two customers instead of adding it twice.":
        "%(value)s 已登记在另一位客户名下。请合并这两位客户，而不要重复添加。",
    "%(value)s is already recorded for another customer.": "%(value)s 已登记在另一位客户名下。",
    # --- Customer pages ---------------------------------------------------------------------
    "Add phone, email or other identity": "添加电话、邮箱或其他身份",
    "Add contact": "添加联系人",
    "Add address": "添加地址",
    "Record consent": "记录授权同意",
    "Save": "保存",
    "Cancel": "取消",
    "Log interaction": "记录互动",
    "Edit": "编辑",
    "Customer information file": "客户信息档案",
    "C · Characteristics": "C · 客户特征",
    "P · Purchases": "P · 购买记录",
    "R · Responses": "R · 回应",
    "Timeline": "时间线",
    "New customer": "新建客户",
    "Edit %(name)s": "编辑 %(name)s",
    "Log an interaction with %(name)s": "记录与 %(name)s 的互动",
    "Search": "搜索",
    "All": "全部",
    "Stage": "阶段",
    "Tier": "等级",
    "Tag": "标签",
    "Filter": "筛选",
    "%%s selected": "已选择 %%s 项",
    "Select all on this page": "全选本页",
    "Name": "名称",
    "Created": "创建时间",
    "Select %(name)s": "选择 %(name)s",
    "Org": "机构",
    "No customers match these filters.": "没有符合筛选条件的客户。",
    "Pages": "分页",
    "Previous": "上一页",
    "Page %(page)s": "第 %(page)s 页",
    "Next": "下一页",
    "Details": "详细信息",
    "Updated": "更新时间",
    "Channel identities": "渠道身份",
    "Add identity": "添加身份",
    "No phone, email or other identity yet.": "暂无电话、邮箱或其他身份。",
    "Contacts": "联系人",
    "No contacts yet.": "暂无联系人。",
    "Addresses": "地址",
    "No address yet.": "暂无地址。",
    "Consent": "授权同意",
    "State": "状态",
    "Since": "生效时间",
    "granted": "已授权",
    "withdrawn": "已撤回",
    "No consent recorded: do not send marketing.": "未记录授权同意：请勿发送营销信息。",
    "Purchases": "购买记录",
    "Total spend": "累计消费",
    "Monthly spend": "月度消费",
    "Spend": "消费金额",
    "No purchases yet.": "暂无购买记录。",
    "Latest orders": "最近订单",
    "Order": "订单",
    "Status": "状态",
    "Total": "总额",
    "Responses": "回应",
    "Campaign sends, opens, clicks, conversions and survey answers will appear here once marketing and surveys are in use.":
        "启用营销活动和问卷调查后，活动的发送、打开、点击、转化以及问卷回答将显示在这里。",
    "Show only": "仅显示",
    "Nothing has happened with this customer yet.": "此客户暂无任何动态。",
    "Show older events": "显示更早的记录",
    "Interactions": "互动记录",
    # --- Orders (the P series) --------------------------------------------------------------
    "SKU": "SKU",
    "category": "类别",
    "price": "价格",
    "cost": "成本",
    "active": "在售",
    "product": "商品",
    "products": "商品",
    "Online shop": "网店",
    "Pending": "待付款",
    "Paid": "已付款",
    "Shipped": "已发货",
    "Completed": "已完成",
    "Cancelled": "已取消",
    "Refunded": "已退款",
    "ordered at": "下单时间",
    "store": "门店",
    "status": "状态",
    "total": "总额",
    "currency": "币种",
    "external id": "外部编号",
    "order": "订单",
    "orders": "订单",
    "quantity": "数量",
    "unit price": "单价",
    "discount": "折扣",
    "order line": "订单明细",
    "order lines": "订单明细",
    "Unknown product.": "未知商品。",
    "The discount is larger than the line amount.": "折扣金额超过了该明细行的金额。",
    "From": "从",
    "To": "至",
    "Customer": "客户",
    "No orders match these filters.": "没有符合筛选条件的订单。",
    "Products": "商品",
    "Name or SKU": "名称或 SKU",
    "Category": "类别",
    "Price": "价格",
    "Cost": "成本",
    "No products found.": "未找到商品。",
    "Order %(ref)s: %(total)s": "订单 %(ref)s：%(total)s",
    # --- Privacy and audit ------------------------------------------------------------------
    "at": "时间",
    "action": "操作",
    "record type": "记录类型",
    "record id": "记录 ID",
    "record": "记录",
    "changes": "变更内容",
    "audit entry": "审计日志",
    "audit entries": "审计日志",
    "Can see personal data (phone, email, address, ID numbers) unmasked": "可查看未脱敏的个人信息（电话、邮箱、地址、证件号码）",
    "Can export lists and customer files": "可导出列表和客户档案",
    "Marketing": "营销",
    "Personalisation": "个性化",
    "Analytics": "数据分析",
    "Service messages": "服务通知",
    "Post": "邮寄",
    "Any channel": "所有渠道",
    "Web form": "网页表单",
    "Paper form": "纸质表单",
    "Phone call": "电话",
    "In store": "门店",
    "Email reply": "邮件回复",
    "Import": "导入",
    "API": "API",
    "Recorded by staff": "员工代为记录",
    "purpose": "用途",
    "how": "获取方式",
    "recorded by": "记录人",
    "note": "备注",
    "current": "当前有效",
    "consent": "授权同意",
    "consents": "授权同意",
    "Consent %(state)s: %(purpose)s via %(channel)s": "授权同意：%(purpose)s（%(channel)s）%(state)s",
    "yes": "是",
    "no": "否",
    "Changes": "变更记录",
    # --- Web shell --------------------------------------------------------------------------
    "Not allowed": "无权操作",
    "Your role may not do this. Ask a manager or an administrator.": "您的角色无权执行此操作。请联系经理或管理员。",
    "Not found": "未找到",
    "There is nothing here, or you may not see it.": "此处没有内容，或您无权查看。",
    "Kehu CRM": "Kehu 客户关系管理",
    "Skip to content": "跳到主要内容",
    "Kehu": "Kehu",
    "Main": "主导航",
    "Administration": "系统管理",
    "Search customers by name, phone or email": "按姓名、电话或邮箱搜索客户",
    "Name, phone or email": "姓名、电话或邮箱",
    "Language": "语言",
    "Change": "切换",
    "Log out": "退出登录",
    "Log in": "登录",
    "Log in to Kehu": "登录 Kehu",
    "Username": "用户名",
    "Password": "密码",
}


ZH_HANT = {
    # --- Apps, languages, roles -----------------------------------------------------------
    "Accounts": "帳戶",
    "Customers": "客戶",
    "Orders": "訂單",
    "Privacy and audit": "隱私與稽核",
    "Web": "網站",
    "English": "英文",
    "Simplified Chinese": "簡體中文",
    "Traditional Chinese": "繁體中文",
    "Administrator": "管理員",
    "Manager": "經理",
    "Sales rep": "業務代表",
    "Service agent": "客服專員",
    "Marketer": "行銷專員",
    # --- Teams ----------------------------------------------------------------------------
    "name": "名稱",
    "members": "成員",
    "team": "團隊",
    "teams": "團隊",
    "manages this team": "管理此團隊",
    "team membership": "團隊成員關係",
    "team memberships": "團隊成員關係",
    # --- Custom field validation ----------------------------------------------------------
    "must be text": "必須是文字",
    "must be a whole number": "必須是整數",
    "must be a number": "必須是數字",
    "must be a date (YYYY-MM-DD)": "必須是日期（YYYY-MM-DD）",
    "must be true or false": "必須是「是」或「否」",
    "must be one of: %(choices)s": "必須是下列值之一：%(choices)s",
    "must be a list of: %(choices)s": "必須是由下列值組成的清單：%(choices)s",
    "has an unknown type": "類型未知",
    "This field is required.": "此欄位為必填。",
    "%(label)s %(reason)s (got %(value)r).": "%(label)s %(reason)s（收到的值：%(value)r）。",
    "Unknown custom field “%(key)s”.": "未知的自訂欄位「%(key)s」。",
    # --- Customer form ----------------------------------------------------------------------
    "Kind": "類型",
    "Family name": "姓氏",
    "Given name": "名字",
    "Legal name": "法定名稱",
    "Display name": "顯示名稱",
    "Leave empty to build it from the names.": "留空則依姓名自動產生。",
    "Registration number": "登記號碼",
    "ID number": "證件號碼",
    "Nature": "客戶性質",
    "Lifecycle stage": "生命週期階段",
    "Acquisition source": "客戶來源",
    "Owner": "負責人",
    "Team": "團隊",
    "Tags": "標籤",
    "Separate tags with commas.": "多個標籤以逗號分隔。",
    "Mobile phone": "手機",
    "Email": "電子郵件",
    "Channel": "管道",
    "Value": "值",
    "Verified": "已驗證",
    "Primary": "主要",
    "Purpose": "用途",
    "Decision": "決定",
    "Granted": "同意",
    "Withdrawn": "撤回同意",
    "How": "取得方式",
    "Note": "備註",
    # --- Customer choices (CONCEPTS §1, §3, §4) ---------------------------------------------
    "Person": "個人",
    "Organisation": "機構",
    "Government & non-profit": "政府機構及非營利機構",
    "Special business partner": "特殊公司",
    "Ordinary company": "普通公司",
    "Individual / trading partner": "交易夥伴及客戶個人",
    "Prospect": "潛在客戶",
    "New": "新客戶",
    "Active": "活躍",
    "At risk": "有流失風險",
    "Lost": "已流失",
    "Won back": "已挽回",
    "A · VIP": "A · VIP客戶",
    "B · Major": "B · 主要客戶",
    "C · Ordinary": "C · 普通客戶",
    "D · Small": "D · 小客戶",
    "Door-to-door visit": "逐戶訪問",
    "Advertising": "廣告搜尋",
    "Data look-up": "資料查詢",
    "Meeting or trade show": "會議尋找",
    "Club": "俱樂部",
    "Telephone": "電話探尋",
    "Consulting": "諮詢尋找",
    "Won from a competitor": "搶奪客戶",
    "Direct mail": "直接郵寄",
    "Referral": "連鎖介紹",
    # Shared by the lead source (簡訊開拓), the interaction and the consent channel: plain 簡訊.
    "SMS": "簡訊",
    "Online": "網路開發",
    "Walk-in / store": "到店 / 門市",
    "Other": "其他",
    # --- Customer model fields --------------------------------------------------------------
    "kind": "類型",
    "given name": "名字",
    "family name": "姓氏",
    "legal name": "法定名稱",
    "registration number": "登記號碼",
    "nature": "客戶性質",
    "lifecycle stage": "生命週期階段",
    "tier": "客戶等級",
    "acquisition source": "客戶來源",
    "owner": "負責人",
    "tags": "標籤",
    "custom fields": "自訂欄位",
    "created": "建立時間",
    "updated": "更新時間",
    "Enter the customer's name.": "請輸入客戶名稱。",
    "Back to the customer list": "返回客戶列表",
    "Enter the customer's name (family and given name, or the legal name of an organisation).":
        "請輸入客戶名稱（個人填寫姓氏與名字，機構填寫法定名稱）。",
    ("audit action", "created"): "已建立",
    ("audit action", "updated"): "已更新",
    ("audit action", "deleted"): "已刪除",
    ("lead source", "SMS"): "簡訊開發",
    "version": "版本",
    "customer": "客戶",
    "customers": "客戶",
    "Can see every customer, whoever owns it": "可檢視所有客戶（無論負責人是誰）",
    "customer share": "客戶共享",
    "customer shares": "客戶共享",
    "tag": "標籤",
    # --- Custom field definitions -----------------------------------------------------------
    "Text": "文字",
    "Whole number": "整數",
    "Decimal number": "小數",
    "Date": "日期",
    "Yes / no": "是 / 否",
    "One of a list": "單選",
    "Several of a list": "多選",
    "key": "識別碼",
    "type": "類型",
    "label (English)": "顯示名稱（英文）",
    "label (Chinese)": "顯示名稱（中文）",
    "required": "必填",
    "choices": "選項",
    "For choice fields: a list of allowed values.": "僅適用於選擇類欄位：允許的值清單。",
    "applies to": "適用於",
    "Leave empty for every customer.": "留空表示適用於所有客戶。",
    "position": "排序",
    "custom field": "自訂欄位",
    "List the allowed values, e.g. [\"gold\", \"silver\"].": "請列出允許的值，例如 [\"gold\", \"silver\"]。",
    "Only choice fields have a list of values.": "只有選擇類欄位才有選項清單。",
    # --- Contacts, addresses, channel identities --------------------------------------------
    "role": "職務",
    "phone": "電話",
    "email": "電子郵件",
    "primary contact": "主要聯絡人",
    "contact": "聯絡人",
    "contacts": "聯絡人",
    "Home": "住家",
    "Work": "公司",
    "Billing": "帳單",
    "Shipping": "收件",
    "country": "國家/地區",
    "province": "省份",
    "city": "城市",
    "district": "區",
    "street address": "詳細地址",
    "postal code": "郵遞區號",
    "primary address": "主要地址",
    "address": "地址",
    "addresses": "地址",
    "Phone": "電話",
    "WeChat": "微信",
    "Store card": "會員卡",
    "Web account": "網站帳號",
    "channel": "管道",
    "value as entered": "原始輸入值",
    "normalised value": "正規化值",
    "verified": "已驗證",
    "primary": "主要",
    "channel identity": "管道身分",
    "channel identities": "管道身分",
    # --- Interactions -----------------------------------------------------------------------
    "Store": "門市",
    "In person": "面對面",
    "Inbound": "客戶發起",
    "Outbound": "我方發起",
    "Call": "電話",
    "Visit": "拜訪",
    "Chat": "線上聊天",
    "Meeting": "會面",
    "Store visit": "到店",
    "direction": "方向",
    "subject": "主題",
    "notes": "備註",
    "when": "時間",
    "by": "操作人",
    "interaction": "互動紀錄",
    "interactions": "互動紀錄",
    # --- Validation and services ------------------------------------------------------------
    "Enter a phone number.": "請輸入電話號碼。",
    "“%(value)s” is not a phone number.": "「%(value)s」不是電話號碼。",
    "“%(value)s” is not a valid phone number.": "「%(value)s」不是有效的電話號碼。",
    "“%(value)s” is not an email address.": "「%(value)s」不是電子郵件地址。",
    "Enter a value.": "請輸入值。",
    "This customer was changed by someone else while you were editing (now version %(v)s). Reload to see their change, then edit again.":
        "您編輯期間，此客戶已被他人修改（目前版本為 %(v)s）。請重新載入頁面查看對方的修改，然後再編輯。",
    "%(value)s is already recorded for another customer. Merge the two customers instead of adding it twice.":
        "%(value)s 已登記在另一位客戶名下。請合併這兩位客戶，而非重複新增。",
    "%(value)s is already recorded for another customer.": "%(value)s 已登記在另一位客戶名下。",
    # --- Customer pages ---------------------------------------------------------------------
    "Add phone, email or other identity": "新增電話、電子郵件或其他身分",
    "Add contact": "新增聯絡人",
    "Add address": "新增地址",
    "Record consent": "記錄授權同意",
    "Save": "儲存",
    "Cancel": "取消",
    "Log interaction": "記錄互動",
    "Edit": "編輯",
    "Customer information file": "客戶資料檔案",
    "C · Characteristics": "C · 客戶特徵",
    "P · Purchases": "P · 購買紀錄",
    "R · Responses": "R · 回應",
    "Timeline": "時間軸",
    "New customer": "新增客戶",
    "Edit %(name)s": "編輯 %(name)s",
    "Log an interaction with %(name)s": "記錄與 %(name)s 的互動",
    "Search": "搜尋",
    "All": "全部",
    "Stage": "階段",
    "Tier": "等級",
    "Tag": "標籤",
    "Filter": "篩選",
    "%%s selected": "已選取 %%s 項",
    "Select all on this page": "全選本頁",
    "Name": "名稱",
    "Created": "建立時間",
    "Select %(name)s": "選取 %(name)s",
    "Org": "機構",
    "No customers match these filters.": "沒有符合篩選條件的客戶。",
    "Pages": "分頁",
    "Previous": "上一頁",
    "Page %(page)s": "第 %(page)s 頁",
    "Next": "下一頁",
    "Details": "詳細資料",
    "Updated": "更新時間",
    "Channel identities": "管道身分",
    "Add identity": "新增身分",
    "No phone, email or other identity yet.": "尚無電話、電子郵件或其他身分。",
    "Contacts": "聯絡人",
    "No contacts yet.": "尚無聯絡人。",
    "Addresses": "地址",
    "No address yet.": "尚無地址。",
    "Consent": "授權同意",
    "State": "狀態",
    "Since": "生效時間",
    "granted": "已授權",
    "withdrawn": "已撤回",
    "No consent recorded: do not send marketing.": "未記錄授權同意：請勿傳送行銷訊息。",
    "Purchases": "購買紀錄",
    "Total spend": "累計消費",
    "Monthly spend": "每月消費",
    "Spend": "消費金額",
    "No purchases yet.": "尚無購買紀錄。",
    "Latest orders": "最近訂單",
    "Order": "訂單",
    "Status": "狀態",
    "Total": "總額",
    "Responses": "回應",
    "Campaign sends, opens, clicks, conversions and survey answers will appear here once marketing and surveys are in use.":
        "啟用行銷活動與問卷調查後，活動的傳送、開啟、點擊、轉換及問卷回覆將顯示於此。",
    "Show only": "僅顯示",
    "Nothing has happened with this customer yet.": "此客戶尚無任何動態。",
    "Show older events": "顯示更早的紀錄",
    "Interactions": "互動紀錄",
    # --- Orders (the P series) --------------------------------------------------------------
    "SKU": "SKU",
    "category": "類別",
    "price": "價格",
    "cost": "成本",
    "active": "上架中",
    "product": "商品",
    "products": "商品",
    "Online shop": "網路商店",
    "Pending": "待付款",
    "Paid": "已付款",
    "Shipped": "已出貨",
    "Completed": "已完成",
    "Cancelled": "已取消",
    "Refunded": "已退款",
    "ordered at": "下單時間",
    "store": "門市",
    "status": "狀態",
    "total": "總額",
    "currency": "幣別",
    "external id": "外部編號",
    "order": "訂單",
    "orders": "訂單",
    "quantity": "數量",
    "unit price": "單價",
    "discount": "折扣",
    "order line": "訂單明細",
    "order lines": "訂單明細",
    "Unknown product.": "未知商品。",
    "The discount is larger than the line amount.": "折扣金額超過該筆明細的金額。",
    "From": "從",
    "To": "至",
    "Customer": "客戶",
    "No orders match these filters.": "沒有符合篩選條件的訂單。",
    "Products": "商品",
    "Name or SKU": "名稱或 SKU",
    "Category": "類別",
    "Price": "價格",
    "Cost": "成本",
    "No products found.": "找不到商品。",
    "Order %(ref)s: %(total)s": "訂單 %(ref)s：%(total)s",
    # --- Privacy and audit ------------------------------------------------------------------
    "at": "時間",
    "action": "操作",
    "record type": "紀錄類型",
    "record id": "紀錄 ID",
    "record": "紀錄",
    "changes": "變更內容",
    "audit entry": "稽核紀錄",
    "audit entries": "稽核紀錄",
    "Can see personal data (phone, email, address, ID numbers) unmasked":
        "可檢視未遮罩的個人資料（電話、電子郵件、地址、證件號碼）",
    "Can export lists and customer files": "可匯出清單與客戶檔案",
    "Marketing": "行銷",
    "Personalisation": "個人化",
    "Analytics": "資料分析",
    "Service messages": "服務通知",
    "Post": "郵寄",
    "Any channel": "所有管道",
    "Web form": "網頁表單",
    "Paper form": "紙本表單",
    "Phone call": "電話",
    "In store": "門市",
    "Email reply": "電子郵件回覆",
    "Import": "匯入",
    "API": "API",
    "Recorded by staff": "員工代為記錄",
    "purpose": "用途",
    "how": "取得方式",
    "recorded by": "記錄人",
    "note": "備註",
    "current": "目前有效",
    "consent": "授權同意",
    "consents": "授權同意",
    "Consent %(state)s: %(purpose)s via %(channel)s": "授權同意：%(purpose)s（%(channel)s）%(state)s",
    "yes": "是",
    "no": "否",
    "Changes": "變更紀錄",
    # --- Web shell --------------------------------------------------------------------------
    "Not allowed": "無權操作",
    "Your role may not do this. Ask a manager or an administrator.": "您的角色無權執行此操作。請聯絡經理或管理員。",
    "Not found": "找不到",
    "There is nothing here, or you may not see it.": "此處沒有內容，或您無權檢視。",
    "Kehu CRM": "Kehu 客戶關係管理",
    "Skip to content": "跳到主要內容",
    "Kehu": "Kehu",
    "Main": "主導覽",
    "Administration": "系統管理",
    "Search customers by name, phone or email": "依姓名、電話或電子郵件搜尋客戶",
    "Name, phone or email": "姓名、電話或電子郵件",
    "Language": "語言",
    "Change": "切換",
    "Log out": "登出",
    "Log in": "登入",
    "Log in to Kehu": "登入 Kehu",
    "Username": "使用者名稱",
    "Password": "密碼",
}

# fmt: on

TRANSLATIONS = {"zh_Hans": ZH_HANS, "zh_Hant": ZH_HANT}


def _version() -> str:
    with (LOCALE_DIR.parents[2] / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]["version"]


def _key(message):
    msgid = message.id[0] if message.pluralizable else message.id
    return (message.context, msgid) if message.context else msgid


def _strings(message, translation):
    """The msgstr (a tuple for plural messages) that ``translation`` gives ``message``."""
    if message.pluralizable:
        forms = (translation,) if isinstance(translation, str) else tuple(translation)
        return forms
    if not isinstance(translation, str):
        raise TypeError(f"{message.id!r} is not a plural message; give one string")
    return translation


def _drops_only_the_count(got, expected) -> bool:
    """zh has one plural form: its msgstr may leave out one named placeholder (the count)."""
    missing = set(expected[0]) - set(got[0])
    return set(got[0]) <= set(expected[0]) and len(missing) <= 1 and got[1] == expected[1]


def _placeholder_errors(message, strings) -> list[str]:
    ids = message.id if message.pluralizable else (message.id,)
    expected = placeholders(ids[-1] if message.pluralizable else ids[0])
    errors = []
    for text in strings if isinstance(strings, tuple) else (strings,):
        got = placeholders(text)
        if got != expected and not (message.pluralizable and _drops_only_the_count(got, expected)):
            errors.append(f"{message.id!r}: placeholders {got} != msgid's {expected}")
    return errors


def process(locale: str, domain: str, path: Path, *, write: bool):
    """Fill one catalog. Returns (missing msgids, errors, changed, used keys, message count)."""
    with path.open("rb") as f:
        # No locale argument: catalog.locale then tells whether the header names the language.
        catalog = read_po(f, domain=domain)
    table = TRANSLATIONS[locale]
    missing, errors, used = [], [], set()
    # makemessages leaves a fuzzy template header with an empty Language: fix it once.
    changed = (catalog.fuzzy or str(catalog.locale_identifier) != locale
               or catalog.plural_forms != "nplurals=1; plural=0;"
               or catalog.last_translator != TRANSLATOR)
    for message in catalog:
        if not message.id:
            continue
        key = _key(message)
        if key not in table:
            missing.append(key)
            if message.fuzzy:
                # msgmerge's fuzzy guess from a similar msgid is not a translation. A msgstr
                # typed into the .po by hand is kept, but still reported until it is in the table.
                message.flags.discard("fuzzy")
                message.string = ("",) if message.pluralizable else ""
                changed = True
            continue
        used.add(key)
        strings = _strings(message, table[key])
        errors.extend(f"{locale}/{domain}: {e}" for e in _placeholder_errors(message, strings))
        if message.string != strings or message.fuzzy:
            message.string = strings
            message.flags.discard("fuzzy")
            changed = True
    if changed and write:
        catalog.fuzzy = False
        catalog.locale = locale
        catalog.project = "Kehu"
        catalog.version = _version()
        catalog.language_team = LANGUAGE_TEAMS.get(locale, locale)
        catalog.last_translator = TRANSLATOR
        catalog.revision_date = datetime.now(tz=UTC)
        catalog.header_comment = (
            f"# Kehu: {LANGUAGE_TEAMS.get(locale, locale)} translations, domain {domain}.\n"
            "# msgstr values come from scripts/translate_catalogs.py; edit them there.\n"
            "#"
        )
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=79, no_location=True, ignore_obsolete=True)
        path.write_bytes(buffer.getvalue())
    return missing, errors, changed, used, sum(1 for m in catalog if m.id)


def _suggest(locale: str, missing: list) -> None:
    convert = None
    if locale == "zh_Hant":
        try:
            from opencc import OpenCC  # dev helper only: pip install opencc-python-reimplemented
        except ImportError:
            pass
        else:
            convert = OpenCC("s2twp").convert
    print(f"# {locale}: add to {'ZH_HANT' if locale == 'zh_Hant' else 'ZH_HANS'}")
    for key in missing:
        draft = ""
        if convert and isinstance(key, str) and key in ZH_HANS:
            draft = convert(ZH_HANS[key])
        print(f"    {key!r}: {draft!r},")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; report only")
    parser.add_argument("--suggest", action="store_true", help="print lines for missing msgids")
    args = parser.parse_args(argv)

    status = 0
    for locale in TRANSLATIONS:
        paths = [LOCALE_DIR / locale / "LC_MESSAGES" / f"{d}.po" for d in DOMAINS]
        paths = [p for p in paths if p.exists()]
        if not paths:
            print(f"{locale}: no catalog under {LOCALE_DIR / locale}; run `make messages` first",
                  file=sys.stderr)
            status = 1
            continue
        all_missing, all_used = [], set()
        for path in paths:
            domain = path.stem
            missing, errors, changed, used, count = process(locale, domain, path,
                                                            write=not args.check)
            all_used |= used
            state = ("out of date" if args.check else "updated") if changed else "up to date"
            print(f"{locale}/{domain}: {count} messages, {len(missing)} untranslated, {state}")
            for error in errors:
                print(f"  error: {error}", file=sys.stderr)
            for key in missing:
                print(f"  missing: {key!r}", file=sys.stderr)
            all_missing.extend(k for k in missing if k not in all_missing)
            if missing or errors or (args.check and changed):
                status = 1
        unused = [k for k in TRANSLATIONS[locale] if k not in all_used]
        if unused:
            print(f"{locale}: {len(unused)} dictionary entries no catalog uses (stale?): "
                  + ", ".join(map(repr, unused[:10])) + (" …" if len(unused) > 10 else ""),
                  file=sys.stderr)
        if args.suggest and all_missing:
            _suggest(locale, all_missing)
    return status


if __name__ == "__main__":
    sys.exit(main())
