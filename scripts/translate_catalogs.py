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
    # --- Customer value (scoring) -----------------------------------------------------------
    "Customer value": "客户价值",
    "Segment": "客户分群",
    "CLV": "客户终生价值 (CLV)",
    "P(alive)": "P(alive)",
    # model settings
    "BG/NBD (beta-geometric)": "BG/NBD（贝塔几何）",
    "Pareto/NBD": "Pareto/NBD（帕累托/负二项）",
    "Days": "天",
    "Weeks": "周",
    "Customer lifetime value (future margin)": "客户终生价值（未来利润）",
    "Historical profit (past margin)": "历史利润（已实现利润）",
    "purchase model": "购买模型",
    "time unit": "时间单位",
    "CLV horizon (months)": "CLV 预测期（月）",
    "monthly discount rate": "月贴现率",
    "0.01 = 1% per month (about 12.7% per year).": "0.01 = 每月 1%（约合每年 12.7%）。",
    ("started from", "Web page"): "网页端",
    "margin rate": "利润率",
    "Share of revenue that is profit, used for CLV and profit (0.3 = 30%).":
        "收入中属于利润的比例，用于计算 CLV 和利润（0.3 = 30%）。",
    "expected purchases window (days)": "预计购买次数的预测窗口（天）",
    "tiers ranked by": "等级划分依据",
    "tier A: top share": "A 级：排名靠前客户的比例",
    "tiers A+B: top share": "A+B 级：排名靠前客户的比例",
    "tiers A+B+C: top share": "A+B+C 级：排名靠前客户的比例",
    "RFM score bins": "RFM 评分档数",
    "holdout period for the fit check (days)": "拟合检验的验证期（天）",
    "rescore every (hours)": "重新评分间隔（小时）",
    "How often the background worker scores all customers again; 0 = only on demand.":
        "后台任务多久为所有客户重新评分一次；0 表示仅在手动发起时评分。",
    "write the tier to the customer record": "将等级写入客户档案",
    "The customer list, filters and service levels read the customer's tier.":
        "客户列表、筛选条件和服务级别都以客户档案中的等级为准。",
    "runs of history to keep": "保留的评分任务历史数",
    "updated by": "更新人",
    "value model settings": "价值模型设置",
    "Tier shares must grow: A < A+B < A+B+C.": "等级比例必须递增：A < A+B < A+B+C。",
    # scoring runs
    "Queued": "排队中",
    "Running": "运行中",
    "Done": "已完成",
    "Failed": "失败",
    "Command line": "命令行",
    "Schedule": "定时任务",
    "stage": "阶段",
    "done": "已完成",
    "started from": "发起方式",
    "requested by": "发起人",
    "requested": "发起时间",
    "started": "开始时间",
    "finished": "完成时间",
    "data up to": "数据截至",
    "settings used": "所用设置",
    "model fit": "模型拟合",
    "diagnostics": "诊断信息",
    "timings (s)": "耗时（秒）",
    "customers scored": "已评分客户数",
    "customers with purchases": "有购买记录的客户数",
    "orders read": "已读取订单数",
    "error": "错误",
    "scoring run": "评分任务",
    "scoring runs": "评分任务",
    "reading orders": "正在读取订单",
    "reading customers": "正在读取客户",
    "computing": "正在计算",
    "summarising purchases": "正在汇总购买记录",
    "fitting the models": "正在拟合模型",
    "checking the fit": "正在检验拟合效果",
    "writing scores": "正在写入评分",
    # customer scores
    "purchases": "购买次数",
    "repeat purchases": "复购次数",
    "recency": "最近一次消费",
    "customer age (T)": "首购至今时长 (T)",
    "average repeat spend": "平均复购金额",
    "total spend": "累计消费",
    "first purchase": "首次购买时间",
    "last purchase": "最近一次购买时间",
    "R score": "R 评分",
    "F score": "F 评分",
    "M score": "M 评分",
    "RFM code": "RFM 编码",
    "RFM segment": "RFM 分群",
    "expected purchases": "预计购买次数",
    "loyalty": "忠诚度",
    "repeat behaviour": "复购行为",
    "attitude": "态度",
    "customer score": "客户评分",
    "customer scores": "客户评分",
    "score history": "评分历史",
    # RFM segments ("At risk" and "Lost" are shared with the lifecycle stages above)
    "Champions": "冠军客户",
    "Bought recently, buy often and spend the most. Reward them, ask for reviews and referrals, give early access to new products.":
        "最近有购买、购买频繁且消费最多。给予回馈奖励，邀请他们发表评价、转介绍新客户，并让他们抢先体验新品。",
    "Loyal": "忠诚客户",
    "Buy regularly and respond to offers. Upsell higher-value products and invite them to the membership programme.":
        "定期购买，对优惠活动反应积极。向他们推荐更高价值的产品，并邀请他们加入会员计划。",
    "Potential loyalist": "潜力客户",
    "Recent customers with average frequency. Offer membership or loyalty points to build the habit.":
        "近期有购买、消费频率中等的客户。提供会员资格或积分奖励，帮助他们养成购买习惯。",
    ("RFM segment", "New"): "新客户",
    "Bought for the first time recently (or not yet). Welcome them and help them succeed with the first purchase.":
        "最近首次购买（或尚未购买）。做好欢迎和引导，让他们对首次购买感到满意。",
    "Promising": "有希望的客户",
    "Recent shoppers who have not spent much yet. Build brand awareness; offer free trials or samples.":
        "近期有购买，但消费金额还不高。加深品牌认知；提供免费试用或赠送样品。",
    "Need attention": "需要关注",
    "Above-average recency, frequency and spend, but slipping. Make limited-time offers based on their purchase history.":
        "最近一次消费、消费频率和消费金额均高于平均水平，但正在下滑。根据他们的购买记录推送限时优惠。",
    "About to sleep": "即将沉睡",
    "Below average and fading. Share popular products and renewal discounts to reconnect.":
        "低于平均水平，且活跃度正在减退。推荐热销产品和回购折扣，重新建立联系。",
    "Spent a lot and bought often, but long ago. Send personal messages and renewal offers; find out what went wrong.":
        "曾经消费多、购买频繁，但已很久没有购买。发送个性化消息和回购优惠；了解问题出在哪里。",
    "Can't lose them": "不能失去的客户",
    "Once the biggest and most frequent buyers, now silent. Win them back personally; don't lose them to a competitor.":
        "曾是消费最多、购买最频繁的客户，如今已没有动静。安排专人亲自挽回，不要让他们流失到竞争对手那里。",
    "Hibernating": "沉睡客户",
    "Low spenders who last bought long ago. Offer relevant products and special discounts; keep costs low.":
        "消费较少，且上次购买已是很久以前。推荐相关产品和专属折扣；控制投入成本。",
    "Lowest recency, frequency and spend, or never bought. Try a win-back campaign once, otherwise spend nothing more.":
        "最近一次消费、消费频率和消费金额均最低，或从未购买。可尝试一次挽回活动，若无效则不再投入。",
    # ABCD customer pyramid: what to do with each tier
    "VIP club and a dedicated key-account manager.": "建立 VIP 俱乐部，并配备专属客户经理。",
    "Key-account management and priority service.": "实行重点客户管理，提供优先服务。",
    "Standard service; campaigns to move them up a tier.": "标准服务；通过营销活动推动其升级到更高等级。",
    "Low-cost self-service; an upgrade path or a lower cost to serve.": "低成本自助服务；提供升级路径，或降低服务成本。",
    # loyalty classes
    "True loyalty": "超值忠诚",
    "Buys again and likes us: keep them delighted and ask for referrals.":
        "既持续复购又认同我们：让他们始终满意，并邀请他们转介绍。",
    "Latent loyalty": "潜在忠诚",
    "Likes us but buys little: remove the obstacles (price, access, range) that stop them buying more.":
        "认同我们但购买不多：消除妨碍他们多买的障碍（价格、购买渠道、产品种类）。",
    "Spurious loyalty": "虚假忠诚",
    "Buys out of habit or for price, with little attachment: easy to poach. Build attachment through service, membership and personal contact.":
        "出于习惯或价格而购买，缺乏情感联系：容易被竞争对手挖走。通过服务、会员计划和个人联系建立情感纽带。",
    "No loyalty": "不忠诚",
    "Neither buys again nor feels attached: serve at low cost or let go.":
        "既不复购，也没有情感认同：以低成本服务，或者放手。",
    "Attitude not yet measured": "尚未测评态度",
    "Repeat buying is known; satisfaction survey answers are needed to tell true from spurious loyalty.":
        "复购情况已知；还需要满意度调查的回答，才能区分超值忠诚与虚假忠诚。",
    "No purchases yet, so no activity estimate.": "暂无购买记录，因此无法估计活跃度。",
    "Likely still active: %(percent)s%%": "很可能仍活跃：%(percent)s%%",
    "May have lapsed: %(percent)s%% chance still active": "可能已流失：仍活跃的概率为 %(percent)s%%",
    "Probably lost: %(percent)s%% chance still active": "很可能已流失：仍活跃的概率仅为 %(percent)s%%",
    "Tier cut-offs (A / A+B / A+B+C)": "等级分界（A / A+B / A+B+C）",
    # dashboard
    "Who brings the most value, who is slipping away, and what the next twelve months may bring: RFM, lifetime value, the ABCD pyramid and loyalty, recomputed from the purchase history.":
        "谁带来的价值最大，谁正在流失，未来十二个月可能会怎样：根据购买记录重新计算 RFM、客户终生价值、ABCD 客户金字塔和忠诚度。",
    "Last scored %(date)s: %(n)s customers, %(b)s with purchases, %(o)s orders.":
        "上次评分于 %(date)s：共 %(n)s 位客户，其中 %(b)s 位有购买记录，%(o)s 笔订单。",
    "You see %(n)s of them.": "您可查看其中的 %(n)s 位。",
    "Customer pyramid (ABCD)": "客户金字塔（ABCD）",
    "Customers and share of value per tier": "各等级的客户数及价值占比",
    "Share of customers": "客户占比",
    "Share of value": "价值占比",
    "RFM grid: recency × frequency": "RFM 矩阵：最近一次消费 × 消费频率",
    "Customers per cell (5 = best); hover for the cell's revenue. Click a cell to list its customers.":
        "每个方格中的客户数（5 = 最佳）；悬停可查看该方格的营收。点击方格可列出其中的客户。",
    "Recency score": "最近一次消费评分",
    "Frequency score": "消费频率评分",
    "RFM segments": "RFM 分群",
    "Customers, revenue and lifetime value per RFM segment": "各 RFM 分群的客户数、收入和客户终生价值",
    "Revenue": "收入",
    "What to do": "建议措施",
    "CLV distribution": "客户终生价值 (CLV) 分布",
    "P(alive) distribution": "存活概率 P(alive) 分布",
    "Model fit": "模型拟合",
    "Tracking: repeat purchases per week, actual and expected": "跟踪：每周复购次数的实际值与预期值",
    "Actual": "实际",
    "Model": "模型",
    "Holdout starts": "验证期开始",
    "In the holdout period the model expected %(p)s repeat purchases; customers made %(a)s.":
        "在验证期内，模型预计复购 %(p)s 次；客户实际复购 %(a)s 次。",
    "Holdout purchases per customer by purchases in the calibration period":
        "验证期内人均购买次数（按校准期内的购买次数分组）",
    "Repeat purchases (calibration)": "复购次数（校准期）",
    "Expected": "预期",
    "No holdout check:": "未进行验证期检验：",
    "Purchase model": "购买模型",
    "Parameter": "参数",
    "Estimate": "估计值",
    "Std. error": "标准误",
    "Log-likelihood": "对数似然",
    "Not fitted:": "未拟合：",
    "Spend model (Gamma-Gamma)": "消费金额模型（Gamma-Gamma）",
    "Settings used": "所用设置",
    "Change the model settings": "修改模型设置",
    "No scoring run has finished yet.": "尚无已完成的评分任务。",
    "Scoring run #%(n)s is queued for the background worker.": "评分任务 #%(n)s 已排队，等待后台处理。",
    "Scoring run #%(n)s: %(stage)s": "评分任务 #%(n)s：%(stage)s",
    "Scoring progress": "评分进度",
    "Scoring run #%(n)s failed.": "评分任务 #%(n)s 失败。",
    "Scoring run #%(n)s finished: %(count)s customers scored.": "评分任务 #%(n)s 已完成：已为 %(count)s 位客户评分。",
    "Score all customers now": "立即为所有客户评分",
    # customer value card
    "Recency, frequency, monetary scores": "最近一次消费、消费频率、消费金额评分",
    "CLV (%(months)s months)": "客户终生价值（%(months)s 个月）",
    "%(n)s purchases expected in the next %(days)s days": "预计未来 %(days)s 天内购买 %(n)s 次",
    "average repeat order %(amount)s": "平均复购订单金额 %(amount)s",
    "Activity": "活跃度",
    "Loyalty": "忠诚度",
    "Tier and segment history": "等级与分群历史",
    "Scored": "评分时间",
    "Scored %(date)s": "评分于 %(date)s",
    "How these numbers are made": "这些数字是如何计算的",
    "Not scored yet. Value scores appear after the next scoring run.": "尚未评分。下一次评分任务完成后将显示价值评分。",
    # --- Identity: matching, duplicates, merge (issue 4) ----------------------------
    'Date of birth': '出生日期',
    'date of birth': '出生日期',
    'merged into': '已合并到',
    'Entered by staff': '员工录入',
    'Recognised on entry': '录入时识别',
    'came from': '来源',
    'Possible duplicate': '可能重复',
    'This looks like a customer who is already on file. Open them to check, or save anyway if this is a different person.': '这看起来像一位已建档的客户。请打开核对；如果是另一个人，仍可保存。',
    'compare': '对比',
    'a customer you cannot open (ask a manager)': '一位您无权查看的客户（请询问经理）',
    'match probability %(p)s': '匹配概率 %(p)s',
    'Save as a new customer': '另存为新客户',
    'Save anyway': '仍然保存',
    'from %(name)s, merged %(date)s': '来自 %(name)s，合并于 %(date)s',
    'Duplicates and merges': '重复与合并',
    '%(n)s possible duplicate waiting for review': '%(n)s 条可能重复待审核',
    '%(name)s (#%(id)s) merged in on %(date)s': '%(name)s（#%(id)s）已于 %(date)s 合并进来',
    'Undo merge': '撤销合并',
    'That customer was merged into this one.': '该客户已合并到此客户。',
    'This is %(name)s, already a customer: %(n)s new contact detail(s) added to their record instead of creating a duplicate.': '这是已有客户 %(name)s：已将 %(n)s 项新联系方式添加到其档案，而不是新建重复客户。',
    'Identity': '客户识别',
    'duplicate of a row the kept customer already has': '保留的客户已有相同记录',
    'This field cannot be chosen in a merge.': '合并时不能选择此字段。',
    "Choose the kept customer's value or the merged customer's value.": '请选择保留客户的值或被合并客户的值。',
    'A customer cannot be merged with itself.': '客户不能与自身合并。',
    'One of the two customers no longer exists.': '两位客户中有一位已不存在。',
    'One of the two customers has already been merged into another customer.': '两位客户中有一位已合并到其他客户。',
    'This merge has already been undone.': '此合并已被撤销。',
    'The kept customer has since been merged into another customer. Undo that later merge first.': '保留的客户此后又被合并到其他客户。请先撤销那次较晚的合并。',
    'The merged customer no longer points at the kept customer, so this merge cannot be undone.': '被合并的客户已不再指向保留的客户，因此无法撤销此合并。',
    'match profile': '匹配档案',
    'match profiles': '匹配档案',
    'match model': '匹配模型',
    'match models': '匹配模型',
    'Finished': '已完成',
    'step': '步骤',
    'pairs compared': '已比较的记录对',
    'duplicate groups': '重复组',
    'pairs proposed': '待审核的记录对',
    'duplicate scan': '查重扫描',
    'duplicate scans': '查重扫描',
    'Open': '待处理',
    'Merged': '已合并',
    'Not a duplicate': '不是重复',
    'group': '组',
    'possible duplicate': '可能重复',
    'match probability': '匹配概率',
    'match weight': '匹配权重',
    'evidence': '证据',
    'possible duplicates': '可能重复',
    'not a duplicate': '非重复',
    'not duplicates': '非重复',
    'kept customer': '保留的客户',
    'merged customer': '被合并的客户',
    'merged at': '合并时间',
    'undone at': '撤销时间',
    'merge': '合并',
    'merges': '合并',
    'Can merge customers and undo merges': '可以合并客户及撤销合并',
    'City': '城市',
    'Address': '地址',
    'Postal code': '邮政编码',
    ('match evidence', 'different'): '不同',
    'same surname, other given name': '同姓，名不同',
    'same surname, given name unknown': '同姓，名未知',
    ('match evidence', 'similar'): '相似',
    'same pinyin': '拼音相同',
    ('match evidence', 'same'): '相同',
    'one digit off': '差一位数字',
    ('match evidence', 'close'): '接近',
    'day and month swapped': '日与月颠倒',
    ('match evidence', 'partly the same'): '部分相同',
    ('match evidence', 'mostly the same'): '大部分相同',
    'Duplicate scan #%(id)s is already %(status)s.': '查重扫描 #%(id)s 已经处于“%(status)s”状态。',
    'This pair was already decided.': '这对记录已经处理过了。',
    'Compare customers': '对比客户',
    'Match probability %(p)s.': '匹配概率 %(p)s。',
    'Evidence per field': '各字段证据',
    'Each field counts for (+) or against (−) the two records being one customer; a missing value counts for nothing.': '每个字段支持（+）或反对（−）两条记录属于同一客户；缺失的值不计入。',
    'Pick the value to keep for each field.': '为每个字段选择要保留的值。',
    'The two records side by side.': '两条记录并排对比。',
    'Field': '字段',
    'Keep record': '保留记录',
    'keep this one': '保留此条',
    'Merging moves everything of the other record to the kept one:': '合并会把另一条记录的所有内容移到保留的记录：',
    'nothing else': '没有其他内容',
    'These rows stay with the merged record (the kept one already has the same):': '以下记录留在被合并的记录中（保留的记录已有相同内容）：',
    "Nothing is deleted: the merged record is hidden and the merge can be undone from the kept customer's page.": '不会删除任何数据：被合并的记录会被隐藏，可在保留客户的页面撤销合并。',
    'Merge': '合并',
    'Back to the review queue': '返回审核队列',
    'Possible duplicates': '可能重复',
    'Pairs of customers that may be the same person, most likely first. Compare them side by side, then merge them or mark them as different people (they will not be proposed again).': '可能是同一人的客户对，最可能的排在前面。并排对比后合并，或标记为不同的人（之后不会再被提出）。',
    'Scan for duplicates': '扫描重复客户',
    'Last scan %(date)s: %(n)s customers, %(g)s groups of possible duplicates.': '上次扫描 %(date)s：%(n)s 位客户，%(g)s 组可能重复。',
    'Scan #%(id)s: %(status)s.': '扫描 #%(id)s：%(status)s。',
    'Match probability': '匹配概率',
    'Evidence': '证据',
    'Actions': '操作',
    'Compare': '对比',
    'Page %(n)s of %(total)s': '第 %(n)s 页，共 %(total)s 页',
    'No possible duplicates waiting for review.': '没有待审核的可能重复。',
    'Duplicate scan #%(id)s queued: the review queue refills when it finishes.': '查重扫描 #%(id)s 已排队：完成后会重新填充审核队列。',
    'Merged %(merged)s into %(kept)s. You can undo this from the customer page.': '已将 %(merged)s 合并到 %(kept)s。可在客户页面撤销。',
    'Marked as different customers; this pair will not be proposed again.': '已标记为不同客户；这对记录不会再被提出。',
    'Merge undone: both customers are back as they were.': '已撤销合并：两位客户已恢复原状。',
    ('audit action', 'merged'): '已合并',
    ('audit action', 'merge undone'): '已撤销合并',
    'Duplicates': '重复客户',
    'statistics': '统计',
    'weights': '权重',
    'Match weight': '匹配权重',
    'Undo the merges these entries record': '撤销这些记录所记载的合并',
    'Merge #%(id)s undone.': '合并 #%(id)s 已撤销。',
    'Undo merge…': '撤销合并…',
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
    # --- Customer value (scoring) -----------------------------------------------------------
    "Customer value": "客戶價值",
    "Segment": "客戶分群",
    "CLV": "客戶終身價值 (CLV)",
    "P(alive)": "P(alive)",
    # model settings
    "BG/NBD (beta-geometric)": "BG/NBD（貝他幾何）",
    "Pareto/NBD": "Pareto/NBD（柏拉圖/負二項）",
    "Days": "天",
    "Weeks": "週",
    "Customer lifetime value (future margin)": "客戶終身價值（未來利潤）",
    "Historical profit (past margin)": "歷史利潤（已實現利潤）",
    "purchase model": "購買模型",
    "time unit": "時間單位",
    "CLV horizon (months)": "CLV 預測期間（月）",
    "monthly discount rate": "每月折現率",
    "0.01 = 1% per month (about 12.7% per year).": "0.01 = 每月 1%（約合每年 12.7%）。",
    ("started from", "Web page"): "網頁端",
    "margin rate": "利潤率",
    "Share of revenue that is profit, used for CLV and profit (0.3 = 30%).":
        "營收中屬於利潤的比例，用於計算 CLV 與利潤（0.3 = 30%）。",
    "expected purchases window (days)": "預計購買次數的預測區間（天）",
    "tiers ranked by": "等級劃分依據",
    "tier A: top share": "A 級：排名前段客戶的比例",
    "tiers A+B: top share": "A+B 級：排名前段客戶的比例",
    "tiers A+B+C: top share": "A+B+C 級：排名前段客戶的比例",
    "RFM score bins": "RFM 評分級數",
    "holdout period for the fit check (days)": "配適檢驗的驗證期（天）",
    "rescore every (hours)": "重新評分間隔（小時）",
    "How often the background worker scores all customers again; 0 = only on demand.":
        "背景工作程式多久為所有客戶重新評分一次；0 表示僅在手動啟動時評分。",
    "write the tier to the customer record": "將等級寫入客戶資料",
    "The customer list, filters and service levels read the customer's tier.":
        "客戶列表、篩選條件與服務等級皆以客戶資料中的等級為準。",
    "runs of history to keep": "保留的評分作業歷史筆數",
    "updated by": "更新者",
    "value model settings": "價值模型設定",
    "Tier shares must grow: A < A+B < A+B+C.": "等級比例必須遞增：A < A+B < A+B+C。",
    # scoring runs
    "Queued": "佇列中",
    "Running": "執行中",
    "Done": "已完成",
    "Failed": "失敗",
    "Command line": "命令列",
    "Schedule": "排程",
    "stage": "階段",
    "done": "已完成",
    "started from": "啟動方式",
    "requested by": "啟動者",
    "requested": "啟動時間",
    "started": "開始時間",
    "finished": "完成時間",
    "data up to": "資料截至",
    "settings used": "採用的設定",
    "model fit": "模型配適",
    "diagnostics": "診斷資訊",
    "timings (s)": "耗時（秒）",
    "customers scored": "已評分客戶數",
    "customers with purchases": "有購買紀錄的客戶數",
    "orders read": "已讀取訂單數",
    "error": "錯誤",
    "scoring run": "評分作業",
    "scoring runs": "評分作業",
    "reading orders": "正在讀取訂單",
    "reading customers": "正在讀取客戶",
    "computing": "正在計算",
    "summarising purchases": "正在彙整購買紀錄",
    "fitting the models": "正在配適模型",
    "checking the fit": "正在檢驗配適結果",
    "writing scores": "正在寫入評分",
    # customer scores
    "purchases": "購買次數",
    "repeat purchases": "回購次數",
    "recency": "最近一次消費",
    "customer age (T)": "首購至今時間 (T)",
    "average repeat spend": "平均回購金額",
    "total spend": "累計消費",
    "first purchase": "首次購買時間",
    "last purchase": "最近一次購買時間",
    "R score": "R 評分",
    "F score": "F 評分",
    "M score": "M 評分",
    "RFM code": "RFM 代碼",
    "RFM segment": "RFM 分群",
    "expected purchases": "預計購買次數",
    "loyalty": "忠誠度",
    "repeat behaviour": "回購行為",
    "attitude": "態度",
    "customer score": "客戶評分",
    "customer scores": "客戶評分",
    "score history": "評分歷史紀錄",
    # RFM segments ("At risk" and "Lost" are shared with the lifecycle stages above)
    "Champions": "冠軍客戶",
    "Bought recently, buy often and spend the most. Reward them, ask for reviews and referrals, give early access to new products.":
        "最近有購買、購買頻繁且消費最多。給予回饋獎勵，邀請他們留下評價、推薦親友，並讓他們搶先體驗新品。",
    "Loyal": "忠誠客戶",
    "Buy regularly and respond to offers. Upsell higher-value products and invite them to the membership programme.":
        "定期購買，對優惠活動反應積極。向他們推薦更高價值的產品，並邀請他們加入會員計畫。",
    "Potential loyalist": "潛力客戶",
    "Recent customers with average frequency. Offer membership or loyalty points to build the habit.":
        "近期有購買、消費頻率中等的客戶。提供會員資格或紅利點數，幫助他們養成購買習慣。",
    ("RFM segment", "New"): "新客戶",
    "Bought for the first time recently (or not yet). Welcome them and help them succeed with the first purchase.":
        "最近首次購買（或尚未購買）。做好歡迎與引導，讓他們對第一次購買感到滿意。",
    "Promising": "有希望的客戶",
    "Recent shoppers who have not spent much yet. Build brand awareness; offer free trials or samples.":
        "近期有購買，但消費金額還不高。加深品牌認知；提供免費試用或試用品。",
    "Need attention": "需要關注",
    "Above-average recency, frequency and spend, but slipping. Make limited-time offers based on their purchase history.":
        "最近一次消費、消費頻率與消費金額皆高於平均，但正在下滑。依據他們的購買紀錄提供限時優惠。",
    "About to sleep": "即將沉睡",
    "Below average and fading. Share popular products and renewal discounts to reconnect.":
        "低於平均水準，且活躍度逐漸降低。推薦熱銷商品與回購折扣，重新建立聯繫。",
    "Spent a lot and bought often, but long ago. Send personal messages and renewal offers; find out what went wrong.":
        "過去消費多、購買頻繁，但已很久沒有購買。傳送個人化訊息與回購優惠；了解問題出在哪裡。",
    "Can't lose them": "不能失去的客戶",
    "Once the biggest and most frequent buyers, now silent. Win them back personally; don't lose them to a competitor.":
        "曾是消費最多、購買最頻繁的客戶，如今已無聲無息。安排專人親自挽回，別讓他們被競爭對手搶走。",
    "Hibernating": "沉睡客戶",
    "Low spenders who last bought long ago. Offer relevant products and special discounts; keep costs low.":
        "消費較少，且上次購買已是很久以前。推薦相關商品與專屬折扣；控制投入成本。",
    "Lowest recency, frequency and spend, or never bought. Try a win-back campaign once, otherwise spend nothing more.":
        "最近一次消費、消費頻率與消費金額皆最低，或從未購買。可嘗試一次挽回活動，若無效則不再投入。",
    # ABCD customer pyramid: what to do with each tier
    "VIP club and a dedicated key-account manager.": "成立 VIP 俱樂部，並配置專屬客戶經理。",
    "Key-account management and priority service.": "實行重點客戶管理，提供優先服務。",
    "Standard service; campaigns to move them up a tier.": "標準服務；透過行銷活動推動其升級至更高等級。",
    "Low-cost self-service; an upgrade path or a lower cost to serve.": "低成本自助服務；提供升級途徑，或降低服務成本。",
    # loyalty classes
    "True loyalty": "超值忠誠",
    "Buys again and likes us: keep them delighted and ask for referrals.":
        "既持續回購又認同我們：讓他們始終滿意，並邀請他們推薦親友。",
    "Latent loyalty": "潛在忠誠",
    "Likes us but buys little: remove the obstacles (price, access, range) that stop them buying more.":
        "認同我們但購買不多：排除妨礙他們多買的障礙（價格、購買通路、商品種類）。",
    "Spurious loyalty": "虛假忠誠",
    "Buys out of habit or for price, with little attachment: easy to poach. Build attachment through service, membership and personal contact.":
        "出於習慣或價格而購買，缺乏情感連結：容易被競爭對手挖角。透過服務、會員計畫與個人聯繫建立情感連結。",
    "No loyalty": "不忠誠",
    "Neither buys again nor feels attached: serve at low cost or let go.":
        "既不回購，也沒有情感認同：以低成本服務，或者放手。",
    "Attitude not yet measured": "尚未測量態度",
    "Repeat buying is known; satisfaction survey answers are needed to tell true from spurious loyalty.":
        "已知回購情形；還需要滿意度調查的回覆，才能區分超值忠誠與虛假忠誠。",
    "No purchases yet, so no activity estimate.": "尚無購買紀錄，因此無法估計活躍度。",
    "Likely still active: %(percent)s%%": "很可能仍活躍：%(percent)s%%",
    "May have lapsed: %(percent)s%% chance still active": "可能已流失：仍活躍的機率為 %(percent)s%%",
    "Probably lost: %(percent)s%% chance still active": "很可能已流失：仍活躍的機率僅為 %(percent)s%%",
    "Tier cut-offs (A / A+B / A+B+C)": "等級分界（A / A+B / A+B+C）",
    # dashboard
    "Who brings the most value, who is slipping away, and what the next twelve months may bring: RFM, lifetime value, the ABCD pyramid and loyalty, recomputed from the purchase history.":
        "誰帶來的價值最高、誰正在流失、未來十二個月可能如何：依據購買紀錄重新計算 RFM、客戶終身價值、ABCD 客戶金字塔與忠誠度。",
    "Last scored %(date)s: %(n)s customers, %(b)s with purchases, %(o)s orders.":
        "上次評分於 %(date)s：共 %(n)s 位客戶，其中 %(b)s 位有購買紀錄，%(o)s 筆訂單。",
    "You see %(n)s of them.": "您可檢視其中的 %(n)s 位。",
    "Customer pyramid (ABCD)": "客戶金字塔（ABCD）",
    "Customers and share of value per tier": "各等級的客戶數及價值佔比",
    "Share of customers": "客戶佔比",
    "Share of value": "價值佔比",
    "RFM grid: recency × frequency": "RFM 矩陣：最近一次消費 × 消費頻率",
    "Customers per cell (5 = best); hover for the cell's revenue. Click a cell to list its customers.":
        "每個方格中的客戶數（5 = 最佳）；游標停留可查看該方格的營收。點選方格即可列出其中的客戶。",
    "Recency score": "最近一次消費評分",
    "Frequency score": "消費頻率評分",
    "RFM segments": "RFM 分群",
    "Customers, revenue and lifetime value per RFM segment": "各 RFM 分群的客戶數、營收與客戶終身價值",
    "Revenue": "營收",
    "What to do": "建議做法",
    "CLV distribution": "客戶終身價值 (CLV) 分布",
    "P(alive) distribution": "存活機率 P(alive) 分布",
    "Model fit": "模型配適",
    "Tracking: repeat purchases per week, actual and expected": "追蹤：每週回購次數的實際值與預期值",
    "Actual": "實際",
    "Model": "模型",
    "Holdout starts": "驗證期開始",
    "In the holdout period the model expected %(p)s repeat purchases; customers made %(a)s.":
        "在驗證期內，模型預計回購 %(p)s 次；客戶實際回購 %(a)s 次。",
    "Holdout purchases per customer by purchases in the calibration period":
        "驗證期內平均每位客戶的購買次數（依校準期內的購買次數分組）",
    "Repeat purchases (calibration)": "回購次數（校準期）",
    "Expected": "預期",
    "No holdout check:": "未進行驗證期檢驗：",
    "Purchase model": "購買模型",
    "Parameter": "參數",
    "Estimate": "估計值",
    "Std. error": "標準誤",
    "Log-likelihood": "對數概似值",
    "Not fitted:": "未配適：",
    "Spend model (Gamma-Gamma)": "消費金額模型（Gamma-Gamma）",
    "Settings used": "採用的設定",
    "Change the model settings": "變更模型設定",
    "No scoring run has finished yet.": "尚無已完成的評分作業。",
    "Scoring run #%(n)s is queued for the background worker.": "評分作業 #%(n)s 已排入佇列，等待背景處理。",
    "Scoring run #%(n)s: %(stage)s": "評分作業 #%(n)s：%(stage)s",
    "Scoring progress": "評分進度",
    "Scoring run #%(n)s failed.": "評分作業 #%(n)s 失敗。",
    "Scoring run #%(n)s finished: %(count)s customers scored.": "評分作業 #%(n)s 已完成：已為 %(count)s 位客戶評分。",
    "Score all customers now": "立即為所有客戶評分",
    # customer value card
    "Recency, frequency, monetary scores": "最近一次消費、消費頻率、消費金額評分",
    "CLV (%(months)s months)": "客戶終身價值（%(months)s 個月）",
    "%(n)s purchases expected in the next %(days)s days": "預計未來 %(days)s 天內購買 %(n)s 次",
    "average repeat order %(amount)s": "平均回購訂單金額 %(amount)s",
    "Activity": "活躍度",
    "Loyalty": "忠誠度",
    "Tier and segment history": "等級與分群歷史紀錄",
    "Scored": "評分時間",
    "Scored %(date)s": "評分於 %(date)s",
    "How these numbers are made": "這些數字是如何計算的",
    "Not scored yet. Value scores appear after the next scoring run.": "尚未評分。下一次評分作業完成後將顯示價值評分。",
    # --- Identity: matching, duplicates, merge (issue 4) ----------------------------
    'Date of birth': '出生日期',
    'date of birth': '出生日期',
    'merged into': '已合併到',
    'Entered by staff': '員工錄入',
    'Recognised on entry': '錄入時識別',
    'came from': '來源',
    'Possible duplicate': '可能重複',
    'This looks like a customer who is already on file. Open them to check, or save anyway if this is a different person.': '這看起來像一位已建檔的客戶。請開啟核對；如果是另一個人，仍可儲存。',
    'compare': '對比',
    'a customer you cannot open (ask a manager)': '一位您無權檢視的客戶（請詢問經理）',
    'match probability %(p)s': '匹配機率 %(p)s',
    'Save as a new customer': '另存為新客戶',
    'Save anyway': '仍然儲存',
    'from %(name)s, merged %(date)s': '來自 %(name)s，合併於 %(date)s',
    'Duplicates and merges': '重複與合併',
    '%(n)s possible duplicate waiting for review': '%(n)s 條可能重複待稽核',
    '%(name)s (#%(id)s) merged in on %(date)s': '%(name)s（#%(id)s）已於 %(date)s 合併進來',
    'Undo merge': '撤銷合併',
    'That customer was merged into this one.': '該客戶已合併到此客戶。',
    'This is %(name)s, already a customer: %(n)s new contact detail(s) added to their record instead of creating a duplicate.': '這是已有客戶 %(name)s：已將 %(n)s 項新聯絡方式新增到其檔案，而不是新建重複客戶。',
    'Identity': '客戶識別',
    'duplicate of a row the kept customer already has': '保留的客戶已有相同記錄',
    'This field cannot be chosen in a merge.': '合併時不能選擇此欄位。',
    "Choose the kept customer's value or the merged customer's value.": '請選擇保留客戶的值或被合併客戶的值。',
    'A customer cannot be merged with itself.': '客戶不能與自身合併。',
    'One of the two customers no longer exists.': '兩位客戶中有一位已不存在。',
    'One of the two customers has already been merged into another customer.': '兩位客戶中有一位已合併到其他客戶。',
    'This merge has already been undone.': '此合併已被撤銷。',
    'The kept customer has since been merged into another customer. Undo that later merge first.': '保留的客戶此後又被合併到其他客戶。請先撤銷那次較晚的合併。',
    'The merged customer no longer points at the kept customer, so this merge cannot be undone.': '被合併的客戶已不再指向保留的客戶，因此無法撤銷此合併。',
    'match profile': '匹配檔案',
    'match profiles': '匹配檔案',
    'match model': '匹配模型',
    'match models': '匹配模型',
    'Finished': '已完成',
    'step': '步驟',
    'pairs compared': '已比較的記錄對',
    'duplicate groups': '重複組',
    'pairs proposed': '待稽核的記錄對',
    'duplicate scan': '查重掃描',
    'duplicate scans': '查重掃描',
    'Open': '待處理',
    'Merged': '已合併',
    'Not a duplicate': '不是重複',
    'group': '組',
    'possible duplicate': '可能重複',
    'match probability': '匹配機率',
    'match weight': '匹配權重',
    'evidence': '證據',
    'possible duplicates': '可能重複',
    'not a duplicate': '非重複',
    'not duplicates': '非重複',
    'kept customer': '保留的客戶',
    'merged customer': '被合併的客戶',
    'merged at': '合併時間',
    'undone at': '撤銷時間',
    'merge': '合併',
    'merges': '合併',
    'Can merge customers and undo merges': '可以合併客戶及撤銷合併',
    'City': '城市',
    'Address': '地址',
    'Postal code': '郵政編碼',
    ('match evidence', 'different'): '不同',
    'same surname, other given name': '同姓，名不同',
    'same surname, given name unknown': '同姓，名未知',
    ('match evidence', 'similar'): '相似',
    'same pinyin': '拼音相同',
    ('match evidence', 'same'): '相同',
    'one digit off': '差一位數字',
    ('match evidence', 'close'): '接近',
    'day and month swapped': '日與月顛倒',
    ('match evidence', 'partly the same'): '部分相同',
    ('match evidence', 'mostly the same'): '大部分相同',
    'Duplicate scan #%(id)s is already %(status)s.': '查重掃描 #%(id)s 已經處於“%(status)s”狀態。',
    'This pair was already decided.': '這對記錄已經處理過了。',
    'Compare customers': '對比客戶',
    'Match probability %(p)s.': '匹配機率 %(p)s。',
    'Evidence per field': '各欄位證據',
    'Each field counts for (+) or against (−) the two records being one customer; a missing value counts for nothing.': '每個欄位支援（+）或反對（−）兩條記錄屬於同一客戶；缺失的值不計入。',
    'Pick the value to keep for each field.': '為每個欄位選擇要保留的值。',
    'The two records side by side.': '兩條記錄並排對比。',
    'Field': '欄位',
    'Keep record': '保留記錄',
    'keep this one': '保留此條',
    'Merging moves everything of the other record to the kept one:': '合併會把另一條記錄的所有內容移到保留的記錄：',
    'nothing else': '沒有其他內容',
    'These rows stay with the merged record (the kept one already has the same):': '以下記錄留在被合併的記錄中（保留的記錄已有相同內容）：',
    "Nothing is deleted: the merged record is hidden and the merge can be undone from the kept customer's page.": '不會刪除任何資料：被合併的記錄會被隱藏，可在保留客戶的頁面撤銷合併。',
    'Merge': '合併',
    'Back to the review queue': '返回稽核佇列',
    'Possible duplicates': '可能重複',
    'Pairs of customers that may be the same person, most likely first. Compare them side by side, then merge them or mark them as different people (they will not be proposed again).': '可能是同一人的客戶對，最可能的排在前面。並排對比後合併，或標記為不同的人（之後不會再被提出）。',
    'Scan for duplicates': '掃描重複客戶',
    'Last scan %(date)s: %(n)s customers, %(g)s groups of possible duplicates.': '上次掃描 %(date)s：%(n)s 位客戶，%(g)s 組可能重複。',
    'Scan #%(id)s: %(status)s.': '掃描 #%(id)s：%(status)s。',
    'Match probability': '匹配機率',
    'Evidence': '證據',
    'Actions': '操作',
    'Compare': '對比',
    'Page %(n)s of %(total)s': '第 %(n)s 頁，共 %(total)s 頁',
    'No possible duplicates waiting for review.': '沒有待稽核的可能重複。',
    'Duplicate scan #%(id)s queued: the review queue refills when it finishes.': '查重掃描 #%(id)s 已排隊：完成後會重新填充稽核佇列。',
    'Merged %(merged)s into %(kept)s. You can undo this from the customer page.': '已將 %(merged)s 合併到 %(kept)s。可在客戶頁面撤銷。',
    'Marked as different customers; this pair will not be proposed again.': '已標記為不同客戶；這對記錄不會再被提出。',
    'Merge undone: both customers are back as they were.': '已撤銷合併：兩位客戶已恢復原狀。',
    ('audit action', 'merged'): '已合併',
    ('audit action', 'merge undone'): '已撤銷合併',
    'Duplicates': '重複客戶',
    'statistics': '統計',
    'weights': '權重',
    'Match weight': '匹配權重',
    'Undo the merges these entries record': '撤銷這些記錄所記載的合併',
    'Merge #%(id)s undone.': '合併 #%(id)s 已撤銷。',
    'Undo merge…': '撤銷合併…',
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
