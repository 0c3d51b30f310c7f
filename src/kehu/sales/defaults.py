"""What a new installation starts with: the seed's lead sources (CONCEPTS §4), one pipeline with
its stages and win probabilities, lost and disqualification reasons. Created after every migrate
(and after a test database is flushed), never overwriting what an admin changed."""

from django.db import DEFAULT_DB_ALIAS

# code, English, 简体, 繁體, the customer's acquisition source, referrer required
SOURCES = [
    ("door_to_door", "Door-to-door visit", "逐户访问", "逐戶訪問", "door_to_door", False),
    ("advertising", "Advertising", "广告搜寻", "廣告搜尋", "advertising", False),
    ("data_lookup", "Data look-up", "资料查询", "資料查詢", "data_lookup", False),
    ("trade_show", "Meeting or trade show", "会议寻找", "會議尋找", "trade_show", False),
    ("club", "Club", "俱乐部", "俱樂部", "club", False),
    ("telephone", "Telephone", "电话探寻", "電話探尋", "telephone", False),
    ("consulting", "Consulting", "咨询寻找", "諮詢尋找", "consulting", False),
    ("competitor", "Won from a competitor", "抢夺客户", "搶奪客戶", "competitor", False),
    ("direct_mail", "Direct mail", "直接邮寄", "直接郵寄", "direct_mail", False),
    ("referral", "Chain referral", "连锁介绍", "連鎖介紹", "referral", True),
    ("celebrity", "Celebrity referral", "名人介绍", "名人介紹", "celebrity", True),
    ("key_opinion", "Key-opinion customer", "头牛效应（意见领袖客户）", "頭牛效應（意見領袖客戶）", "key_opinion", True),
    ("sms", "SMS", "短信开拓", "簡訊開拓", "sms", False),
    ("online", "Online", "网络开发", "網路開發", "online", False),
]
# What spreadsheets and people call the seed's sources besides their labels (read by the lead
# import; a label or code of any active source wins over an alias). Traditional spellings are
# folded to simplified before the lookup.
SOURCE_ALIASES = {
    "door_to_door": ["上门", "上门拜访", "陌拜", "扫街", "door to door", "cold visit"],
    "advertising": ["广告", "广告投放", "ads", "advert"],
    "data_lookup": ["资料", "名录", "黄页", "数据查询", "data", "list"],
    "trade_show": ["展会", "会议", "展览", "展览会", "交易会", "trade show", "exhibition", "event"],
    "club": ["会员俱乐部", "社群", "community"],
    "telephone": ["电话", "电销", "陌生电话", "cold call", "phone", "call"],
    "consulting": ["咨询", "顾问", "consultation"],
    "competitor": ["竞争对手", "竞品客户", "抢单"],
    "direct_mail": ["邮寄", "直邮", "dm", "mailing"],
    "referral": ["转介绍", "介绍", "老客户介绍", "客户介绍", "朋友介绍", "推荐", "口碑", "word of mouth"],
    "celebrity": ["名人", "明星", "名人推荐", "influencer"],
    "key_opinion": ["意见领袖", "头牛", "头牛效应", "kol", "key opinion leader"],
    "sms": ["短信", "短消息", "text message"],
    "online": ["网络", "网路", "网站", "官网", "线上", "互联网", "web", "website", "internet", "网店"],
}
PIPELINE = ("New business", "新业务", "新業務")
STAGES = [  # code, English, 简体, 繁體, probability, kind
    ("prospecting", "Prospecting", "初步接触", "初步接觸", 10, "open"),
    ("needs", "Needs analysis", "需求分析", "需求分析", 25, "open"),
    ("proposal", "Proposal", "方案报价", "方案報價", 50, "open"),
    ("negotiation", "Negotiation", "商务谈判", "商務談判", 75, "open"),
    ("won", "Won", "赢单", "贏單", 100, "won"),
    ("lost", "Lost", "输单", "輸單", 0, "lost"),
]
LOST_REASONS = [
    ("price", "Price", "价格", "價格"),
    ("competitor", "Went to a competitor", "选了竞争对手", "選了競爭對手"),
    ("budget", "No budget", "没有预算", "沒有預算"),
    ("timing", "Timing", "时机不对", "時機不對"),
    ("no_decision", "No decision", "未做决定", "未做決定"),
    ("product_fit", "Product fit", "产品不合适", "產品不合適"),
    ("other", "Other", "其他", "其他"),
]
DISQUALIFY_REASONS = [
    ("no_need", "No need", "没有需求", "沒有需求"),
    ("no_budget", "No budget", "没有预算", "沒有預算"),
    ("unreachable", "Cannot be reached", "联系不上", "聯繫不上"),
    ("duplicate", "Duplicate", "重复", "重複"),
    ("competitor", "Works for a competitor", "竞争对手", "競爭對手"),
    ("other", "Other", "其他", "其他"),
]


def ensure_defaults(sender=None, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    from kehu.sales.models import DisqualifyReason, LeadSource, LostReason, Pipeline, PipelineStage

    if not LeadSource.objects.using(using).exists():
        LeadSource.objects.using(using).bulk_create([
            LeadSource(code=code, label_en=en, label_zh_hans=hans, label_zh_hant=hant, customer_source=customer,
                       needs_referrer=referrer, position=i)
            for i, (code, en, hans, hant, customer, referrer) in enumerate(SOURCES)])
    if not Pipeline.objects.using(using).exists():
        en, hans, hant = PIPELINE
        pipeline = Pipeline.objects.using(using).create(label_en=en, label_zh_hans=hans, label_zh_hant=hant,
                                                        is_default=True)
        PipelineStage.objects.using(using).bulk_create([
            PipelineStage(pipeline=pipeline, code=code, label_en=en, label_zh_hans=hans, label_zh_hant=hant,
                          probability=p, kind=kind, position=i)
            for i, (code, en, hans, hant, p, kind) in enumerate(STAGES)])
    for model, rows in ((LostReason, LOST_REASONS), (DisqualifyReason, DISQUALIFY_REASONS)):
        if not model.objects.using(using).exists():
            model.objects.using(using).bulk_create([
                model(code=code, label_en=en, label_zh_hans=hans, label_zh_hant=hant, position=i)
                for i, (code, en, hans, hant) in enumerate(rows)])
