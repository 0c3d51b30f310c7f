"""Word lists for demo data. Names, companies and places come from Faker's zh_CN/en_US providers
(sampled with numpy: calling Faker once per row would take minutes at a million customers)."""

import numpy as np
from faker.providers.address.zh_CN import Provider as ZhAddress
from faker.providers.company.zh_CN import Provider as ZhCompany
from faker.providers.person.en_US import Provider as EnPerson
from faker.providers.person.zh_CN import Provider as ZhPerson


def _weighted(mapping):
    names = np.array(list(mapping.keys()))
    weights = np.array(list(mapping.values()), dtype=float)
    return names, weights / weights.sum()


ZH_FAMILY, ZH_FAMILY_P = _weighted(ZhPerson.last_names)
ZH_GIVEN = np.array(ZhPerson.first_names)
EN_GIVEN, EN_GIVEN_P = _weighted(EnPerson.first_names)
EN_FAMILY, EN_FAMILY_P = _weighted(EnPerson.last_names)
COMPANY_PREFIX = np.array(ZhCompany.company_prefixes)
COMPANY_SUFFIX = np.array(ZhCompany.company_suffixes)
PROVINCES = np.array(ZhAddress.provinces)
CITIES = np.array(ZhAddress.cities)
DISTRICTS = np.array(ZhAddress.districts)
STREETS = np.array(["人民", "解放", "中山", "建设", "和平", "长江", "黄河", "文化", "新华", "光明",
                    "科技", "学府", "滨江", "青年", "朝阳", "东风"])
GOVERNMENT_KINDS = np.array(["市第一人民医院", "实验中学", "区教育局", "市图书馆", "科技协会", "红十字会",
                             "大学附属医院", "市税务局"])
# Chinese mobile prefixes that phonenumbers accepts as valid numbers.
MOBILE_PREFIXES = np.array([130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156,
                            157, 158, 159, 180, 181, 182, 183, 185, 186, 187, 188, 189])
STORES = np.array(["北京朝阳店", "北京海淀店", "上海徐汇店", "上海浦东店", "广州天河店", "深圳南山店",
                   "杭州西湖店", "成都锦江店", "武汉江汉店", "南京鼓楼店"])
TAGS = ["VIP", "批发", "老客户", "价格敏感", "会员", "企业采购", "节日礼品", "线上活跃", "门店常客",
        "推荐人", "投诉过", "学生", "高潜力", "wholesale", "newsletter"]
PRODUCT_CATEGORIES = np.array(["茶叶", "茶具", "礼盒", "零食", "饮品", "家居", "服饰", "数码配件"])
PRODUCT_WORDS = np.array(["龙井", "普洱", "铁观音", "碧螺春", "白茶", "紫砂", "青瓷", "经典", "臻选", "限定",
                          "礼享", "家庭装", "便携", "旗舰", "轻享", "典藏"])
CONTACT_ROLES = np.array(["采购经理", "总经理", "财务", "行政主管", "IT 负责人", "办公室主任"])
INTERACTION_SUBJECTS = {
    "call": ["回访满意度", "咨询新品", "确认订单", "售后问题", "Follow-up call"],
    "visit": ["上门拜访", "产品演示", "Quarterly review"],
    "email": ["报价单", "合同确认", "Newsletter reply"],
    "chat": ["微信咨询", "物流查询", "优惠咨询"],
    "meeting": ["年度合作会议", "需求沟通会"],
    "store_visit": ["门店试用", "到店取货", "会员活动"],
}
