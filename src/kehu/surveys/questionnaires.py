"""The three questionnaires Kehu ships as templates, modelled on the course texts' examples
(CONCEPTS §5): an after-sales service card (like Xerox's 施乐售后服务卡), a restaurant comment card
(like McDonald's 顾客意见表) and a bank satisfaction survey (银行顾客满意度调查表) built on
SERVQUAL's expectation/perception pairs over the five service dimensions.

The texts are data in the three languages (a survey's own texts are edited per language in the
builder), not interface strings, so they are not in the translation catalogs.
"""

# fmt: off


def _q(kind, en, hans, hant, *, required=True, **extra):
    return {"kind": kind, "text_en": en, "text_zh_hans": hans, "text_zh_hant": hant,
            "required": required, **extra}


def _choices(*rows):
    return [{"key": f"c{i}", "en": en, "zh_hans": hans, "zh_hant": hant}
            for i, (en, hans, hant) in enumerate(rows, start=1)]


def _pair(dimension, en, hans, hant):
    return _q("pair", en, hans, hant, scale=7, dimension=dimension)


AFTER_SALES = {
    "label": ("After-sales service card", "售后服务卡", "售後服務卡"),
    "survey": {
        "name": "After-sales service card",
        "title_en": "After-sales service card",
        "title_zh_hans": "售后服务卡",
        "title_zh_hant": "售後服務卡",
        "intro_en": ("Thank you for buying our product and for letting our engineer serve you. "
                     "Please take a minute to fill in this card: your answers tell us how to serve "
                     "you better."),
        "intro_zh_hans": "感谢您购买我们的产品并接受我们工程师的服务。请花一分钟填写这张服务卡，您的意见将帮助我们把服务做得更好。",
        "intro_zh_hant": "感謝您購買我們的產品並接受我們工程師的服務。請花一分鐘填寫這張服務卡，您的意見將幫助我們把服務做得更好。",
        "default_language": "zh-hans",
        "trigger": "case_closed",
        "channel": "email",
    },
    "questions": [
        _q("rating", "Punctuality: the engineer arrived at the agreed time",
           "准时：工程师按约定时间到达", "準時：工程師按約定時間到達"),
        _q("rating", "Competence: the engineer knew the product and found the fault",
           "专业能力：工程师熟悉产品，能准确判断故障", "專業能力：工程師熟悉產品，能準確判斷故障"),
        _q("rating", "Courtesy: the engineer was polite and left the place tidy",
           "服务态度：工程师礼貌周到，工作后现场整洁", "服務態度：工程師禮貌周到，工作後現場整潔"),
        _q("single", "Was the problem fixed on the first visit?",
           "问题是否在第一次上门时就解决了？", "問題是否在第一次上門時就解決了？",
           choices=_choices(("Yes", "是", "是"),
                            ("No, another visit was needed", "否，需要再次上门", "否，需要再次上門"),
                            ("Not fixed yet", "尚未解决", "尚未解決"))),
        _q("csat", "Overall, how satisfied are you with our after-sales service?",
           "总体而言，您对我们的售后服务满意吗？", "整體而言，您對我們的售後服務滿意嗎？"),
        _q("nps", "How likely are you to recommend us to a friend or colleague?",
           "您向朋友或同事推荐我们的可能性有多大？", "您向朋友或同事推薦我們的可能性有多大？"),
        _q("text", "Any other comments or suggestions?", "其他意见或建议", "其他意見或建議", required=False),
    ],
}

RESTAURANT = {
    "label": ("Restaurant comment card", "餐厅顾客意见表", "餐廳顧客意見表"),
    "survey": {
        "name": "Restaurant comment card",
        "title_en": "Customer comment card",
        "title_zh_hans": "顾客意见表",
        "title_zh_hant": "顧客意見表",
        "intro_en": ("Thank you for visiting us. We would love to know how we did today: it takes "
                     "one minute, and we read every card."),
        "intro_zh_hans": "感谢您的光临！请告诉我们今天的用餐感受，只需一分钟，每一张意见表我们都会认真阅读。",
        "intro_zh_hant": "感謝您的光臨！請告訴我們今天的用餐感受，只需一分鐘，每一張意見表我們都會認真閱讀。",
        "default_language": "zh-hans",
        "trigger": "order",
        "order_delay_days": 1,
        "channel": "sms",
    },
    "questions": [
        _q("rating", "Food quality: taste, temperature and freshness",
           "食品质量：口味、温度和新鲜度", "食品質量：口味、溫度和新鮮度"),
        _q("rating", "Speed of service", "服务速度", "服務速度"),
        _q("rating", "Cleanliness of the dining area and restrooms",
           "用餐区和洗手间的清洁卫生", "用餐區和洗手間的清潔衛生"),
        _q("rating", "Friendliness of our staff", "员工的友善程度", "員工的友善程度"),
        _q("rating", "Value for money", "物有所值", "物有所值"),
        _q("single", "Would you come back?", "您还会再次光临吗？", "您還會再次光臨嗎？",
           choices=_choices(("Yes, certainly", "一定会", "一定會"),
                            ("Probably", "可能会", "可能會"),
                            ("Probably not", "可能不会", "可能不會"))),
        _q("csat", "Overall, how satisfied were you with your visit?",
           "总体而言，您对这次用餐满意吗？", "整體而言，您對這次用餐滿意嗎？"),
        _q("text", "Tell us more: what did we do well, and what should we improve?",
           "请告诉我们更多：哪些做得好，哪些需要改进？", "請告訴我們更多：哪些做得好，哪些需要改進？",
           required=False),
    ],
}

BANK = {
    "label": ("Bank satisfaction survey (SERVQUAL)", "银行顾客满意度调查表", "銀行顧客滿意度調查表"),
    "survey": {
        "name": "Bank branch satisfaction survey",
        "title_en": "Branch service satisfaction survey",
        "title_zh_hans": "银行顾客满意度调查表",
        "title_zh_hant": "銀行顧客滿意度調查表",
        "intro_en": ("Thank you for banking with us. For each statement, tell us first how important "
                     "it is to you, then how well our branch did (1 = not at all, 7 = extremely)."),
        "intro_zh_hans": "感谢您选择本行。对于下列每一项，请先告诉我们它对您的重要程度，再评价本网点的实际表现（1 = 完全不，7 = 非常）。",
        "intro_zh_hant": "感謝您選擇本行。對於下列每一項，請先告訴我們它對您的重要程度，再評價本網點的實際表現（1 = 完全不，7 = 非常）。",
        "default_language": "zh-hans",
        "trigger": "manual",
        "channel": "email",
    },
    "questions": [
        _pair("tangibles", "Modern equipment and a clean, comfortable branch",
              "设施现代化，营业厅整洁舒适", "設施現代化，營業廳整潔舒適"),
        _pair("tangibles", "Staff are neatly dressed", "员工仪表整洁", "員工儀表整潔"),
        _pair("reliability", "Transactions are done right the first time",
              "业务一次就办理正确", "業務一次就辦理正確"),
        _pair("reliability", "The branch does what it promises, when it promises",
              "网点按承诺的时间兑现承诺", "網點按承諾的時間兌現承諾"),
        _pair("responsiveness", "Short waiting time in the queue", "排队等候时间短", "排隊等候時間短"),
        _pair("responsiveness", "Staff are always willing to help",
              "员工总是乐于帮助顾客", "員工總是樂於幫助顧客"),
        _pair("assurance", "Staff are knowledgeable and answer questions competently",
              "员工业务熟练，能专业地解答问题", "員工業務熟練，能專業地解答問題"),
        _pair("assurance", "I feel my money and my personal data are safe",
              "我感到资金和个人信息是安全的", "我感到資金和個人資料是安全的"),
        _pair("empathy", "Staff give me individual attention", "员工给予我个性化的关注", "員工給予我個人化的關注"),
        _pair("empathy", "Opening hours are convenient for me", "营业时间方便", "營業時間方便"),
        _q("csat", "Overall, how satisfied are you with the service at our branch?",
           "总体而言，您对本网点的服务满意吗？", "整體而言，您對本網點的服務滿意嗎？"),
        _q("nps", "How likely are you to recommend our bank to a friend or relative?",
           "您向亲友推荐本行的可能性有多大？", "您向親友推薦本行的可能性有多大？"),
        _q("text", "What should we improve first?", "您认为我们最需要改进的是什么？",
           "您認為我們最需要改進的是什麼？", required=False),
    ],
}

TEMPLATES = {"after_sales": AFTER_SALES, "restaurant": RESTAURANT, "bank": BANK}


def template_label(key: str, language: str | None) -> str:
    from kehu.surveys.models import language_key

    en, hans, hant = TEMPLATES[key]["label"]
    return {"en": en, "zh-hans": hans, "zh-hant": hant}[language_key(language)]
