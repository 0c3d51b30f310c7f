"""The demo knowledge base (``services.seed_articles``): what a shop's service desk answers most.

Written in English and simplified Chinese; the traditional Chinese versions are converted with
OpenCC when seeding. Data only: the write path sanitises, indexes and audits it.
"""

# (key, English name, simplified Chinese name)
CATEGORIES = [
    ("orders", "Orders and refunds", "订单与退款"),
    ("delivery", "Delivery", "配送"),
    ("after_sales", "After-sales service", "售后服务"),
    ("membership", "Membership", "会员"),
    ("billing", "Invoices and billing", "发票与账单"),
    ("stores", "Stores", "门店"),
    ("service", "Customer service", "客户服务"),
]

ARTICLES = [
    {
        "category": "orders", "visibility": "public", "topics": ["product", "price"],
        "tags": ["refund", "returns", "退款", "退货"],
        "title_en": "Refund policy",
        "body_en": """
<p>You can return most products within <strong>7 days</strong> of receiving them, without giving a
reason, as long as they are unused and in their original packaging.</p>
<h2>How to ask for a refund</h2>
<ol>
  <li>Open your order in the app or on the website and choose <em>Return or refund</em>.</li>
  <li>Pick the items and the reason, and attach a photo if the product is damaged.</li>
  <li>Send the parcel back with the prepaid label, or bring it to any of our stores.</li>
</ol>
<h2>When the money comes back</h2>
<p>We refund to the original payment method within 3 working days of receiving the return.
Banks and payment apps may take another 1–5 working days.</p>
<table>
  <thead><tr><th scope="col">Paid with</th><th scope="col">Refunded within</th></tr></thead>
  <tbody>
    <tr><td>WeChat Pay, Alipay</td><td>1–3 working days</td></tr>
    <tr><td>Bank card</td><td>3–7 working days</td></tr>
    <tr><td>Gift card, points</td><td>at once, back to your account</td></tr>
  </tbody>
</table>
<p>Faulty products are refunded or replaced for free within 15 days; see <em>Warranty and
repair</em> after that.</p>""",
        "title_zh_hans": "退款政策",
        "body_zh_hans": """
<p>大部分商品在签收后 <strong>7 天内</strong>可以无理由退货，前提是商品未使用、包装完好。</p>
<h2>如何申请退款</h2>
<ol>
  <li>在 App 或网站打开订单，选择<em>退货/退款</em>。</li>
  <li>选择商品和退款原因；商品有损坏时请附上照片。</li>
  <li>使用预付运单寄回包裹，或送到任意一家门店。</li>
</ol>
<h2>退款多久到账</h2>
<p>我们在收到退货后 3 个工作日内原路退款。银行和支付平台可能还需要 1–5 个工作日。</p>
<table>
  <thead><tr><th scope="col">支付方式</th><th scope="col">到账时间</th></tr></thead>
  <tbody>
    <tr><td>微信支付、支付宝</td><td>1–3 个工作日</td></tr>
    <tr><td>银行卡</td><td>3–7 个工作日</td></tr>
    <tr><td>礼品卡、积分</td><td>立即退回账户</td></tr>
  </tbody>
</table>
<p>质量问题的商品 15 天内免费退换；超过 15 天请参阅《保修与维修》。</p>""",
    },
    {
        "category": "delivery", "visibility": "public", "topics": ["delivery"],
        "tags": ["delivery", "shipping", "配送", "快递"],
        "title_en": "Delivery times",
        "body_en": """
<p>Orders paid before 16:00 leave our warehouse the same day; later orders leave the next day.</p>
<table>
  <thead><tr><th scope="col">Where</th><th scope="col">Standard delivery</th><th scope="col">Express</th></tr></thead>
  <tbody>
    <tr><td>Same city</td><td>1 day</td><td>same day</td></tr>
    <tr><td>Same province</td><td>1–2 days</td><td>next day</td></tr>
    <tr><td>Other provinces</td><td>2–4 days</td><td>1–2 days</td></tr>
    <tr><td>Remote areas (Xinjiang, Tibet …)</td><td>5–7 days</td><td>not available</td></tr>
  </tbody>
</table>
<p>Delivery is free for orders over ¥99. Track your parcel from the order page; if it has not
moved for 48 hours, contact us and we will chase the courier.</p>
<p>During public holidays (Spring Festival, National Day) deliveries may take 2–3 days longer.</p>""",
        "title_zh_hans": "配送时间",
        "body_zh_hans": """
<p>16:00 前付款的订单当天从仓库发出，之后付款的订单次日发出。</p>
<table>
  <thead><tr><th scope="col">收货地区</th><th scope="col">普通快递</th><th scope="col">特快</th></tr></thead>
  <tbody>
    <tr><td>同城</td><td>1 天</td><td>当天</td></tr>
    <tr><td>省内</td><td>1–2 天</td><td>次日</td></tr>
    <tr><td>外省</td><td>2–4 天</td><td>1–2 天</td></tr>
    <tr><td>偏远地区（新疆、西藏等）</td><td>5–7 天</td><td>暂不支持</td></tr>
  </tbody>
</table>
<p>订单满 99 元免运费。可在订单页查看物流；如果包裹 48 小时没有更新，请联系我们，我们会催促快递公司。</p>
<p>春节、国庆等节假日期间，配送时间可能延长 2–3 天。</p>""",
    },
    {
        "category": "after_sales", "visibility": "public", "topics": ["product", "service"],
        "tags": ["warranty", "repair", "保修", "维修"],
        "title_en": "Warranty and repair",
        "body_en": """
<p>Every product comes with a <strong>one-year warranty</strong> from the delivery date;
large appliances have three years on the motor or compressor.</p>
<h2>What the warranty covers</h2>
<ul>
  <li>Faults in materials or manufacturing: repaired or replaced for free.</li>
  <li>Pick-up and return shipping for repairs.</li>
</ul>
<h2>What it does not cover</h2>
<ul>
  <li>Damage from accidents, water, or use against the instructions.</li>
  <li>Normal wear, such as scratches or faded colours.</li>
</ul>
<p>To start a repair, have your order number ready and contact customer service. A repair takes
7–10 working days; if it takes longer we lend you a replacement where we can.</p>""",
        "title_zh_hans": "保修与维修",
        "body_zh_hans": """
<p>所有商品自签收之日起享受<strong>一年保修</strong>；大家电的电机或压缩机保修三年。</p>
<h2>保修范围</h2>
<ul>
  <li>材料或制造缺陷：免费维修或更换。</li>
  <li>维修的上门取件和寄回运费。</li>
</ul>
<h2>不在保修范围内</h2>
<ul>
  <li>意外、进水或未按说明使用造成的损坏。</li>
  <li>正常磨损，例如划痕或褪色。</li>
</ul>
<p>申请维修时请准备好订单号并联系客服。维修需要 7–10 个工作日；时间更长时，我们会尽量提供备用机。</p>""",
    },
    {
        "category": "service", "visibility": "public", "topics": ["service", "staff", "other"],
        "tags": ["complaint", "投诉", "feedback"],
        "title_en": "How to file a complaint",
        "body_en": """
<p>We want to hear when something went wrong. Complaining should be easy, so you can use any
channel and you do not need an account.</p>
<ul>
  <li>Phone: our service hotline, every day 8:00–22:00.</li>
  <li>Online: the complaint form on our website, or the chat in the app.</li>
  <li>In person: at the service desk of any store.</li>
  <li>Email: write to our customer service address.</li>
</ul>
<h2>What happens next</h2>
<ol>
  <li>We listen and write down what happened, and give you a case number.</li>
  <li>Within one working day someone responsible contacts you with a proposed solution.</li>
  <li>If the solution does not work for you, tell us what would: we look for one together.</li>
  <li>After it is solved, we check back with you that it stayed solved.</li>
</ol>
<p>You can follow your case with its number at any time.</p>""",
        "title_zh_hans": "如何投诉",
        "body_zh_hans": """
<p>出了问题，我们希望第一时间知道。投诉应该简单：任何渠道都可以，不需要注册账号。</p>
<ul>
  <li>电话：客服热线，每天 8:00–22:00。</li>
  <li>网上：网站上的投诉表单，或 App 内的在线客服。</li>
  <li>当面：任意门店的服务台。</li>
  <li>邮件：发送到我们的客服邮箱。</li>
</ul>
<h2>之后会怎样</h2>
<ol>
  <li>我们认真倾听并记录投诉要点，给您一个案件编号。</li>
  <li>一个工作日内，负责人会联系您并提出解决方案。</li>
  <li>如果您不接受这个方案，请告诉我们您希望怎样解决，我们一起商量。</li>
  <li>问题解决后，我们会回访，确认问题没有再出现。</li>
</ol>
<p>您可以随时用案件编号查询处理进度。</p>""",
    },
    {
        "category": "membership", "visibility": "public", "topics": ["price", "other"],
        "tags": ["points", "membership", "积分", "会员"],
        "title_en": "Membership points",
        "body_en": """
<p>Members earn <strong>1 point for every ¥1</strong> spent, in stores and online. Gold members
earn double points.</p>
<h2>Using points</h2>
<ul>
  <li>100 points are worth ¥1 off your next order (up to 50% of the order).</li>
  <li>Points can also be exchanged for coupons and gifts in the member centre.</li>
</ul>
<h2>Good to know</h2>
<ul>
  <li>Points arrive 7 days after delivery, once the return period is over.</li>
  <li>Points expire at the end of the year after the year they were earned.</li>
  <li>Returned orders take back the points they earned.</li>
</ul>""",
        "title_zh_hans": "会员积分",
        "body_zh_hans": """
<p>会员在门店和网上每消费 <strong>1 元积 1 分</strong>，金卡会员双倍积分。</p>
<h2>积分怎么用</h2>
<ul>
  <li>每 100 积分可抵扣 1 元（最多抵扣订单金额的 50%）。</li>
  <li>积分也可以在会员中心兑换优惠券和礼品。</li>
</ul>
<h2>注意事项</h2>
<ul>
  <li>积分在签收 7 天后（退货期结束后）到账。</li>
  <li>积分在获得的次年年底过期。</li>
  <li>退货的订单会扣回相应积分。</li>
</ul>""",
    },
    {
        "category": "billing", "visibility": "internal", "topics": ["billing", "price"],
        "tags": ["invoice", "fapiao", "发票", "账单"],
        "title_en": "Invoice and billing questions",
        "body_en": """
<p>For agents: how to answer the most common questions about invoices (fapiao) and bills.</p>
<h2>Issuing an invoice</h2>
<ul>
  <li>Electronic ordinary invoices are issued automatically after delivery and sent to the
      customer's email.</li>
  <li>For a VAT special invoice, the company needs to give its name, tax number, address, phone,
      bank and account number. Check them against the business licence before submitting.</li>
  <li>Invoices can be requested up to 180 days after the order.</li>
</ul>
<h2>Correcting an invoice</h2>
<p>A wrong title or tax number: cancel and reissue within the same month; after month end, issue a
red-letter (credit) invoice first. Never promise a date: finance confirms it within 2 working days.</p>
<h2>Double charges</h2>
<p>If a customer was charged twice, check the payment records in the order. A duplicate payment
is refunded automatically within 24 hours; if not, escalate to finance with the order number.</p>""",
        "title_zh_hans": "发票与账单问题",
        "body_zh_hans": """
<p>客服专用：发票和账单常见问题的答复方法。</p>
<h2>开具发票</h2>
<ul>
  <li>电子普通发票在签收后自动开具，并发送到客户的邮箱。</li>
  <li>增值税专用发票需要公司名称、税号、地址、电话、开户行和账号；提交前请与营业执照核对。</li>
  <li>下单后 180 天内可以申请开票。</li>
</ul>
<h2>发票更正</h2>
<p>抬头或税号错误：当月内可作废重开；跨月需先开红字发票。不要向客户承诺日期，财务会在 2 个工作日内确认。</p>
<h2>重复扣款</h2>
<p>客户被重复扣款时，先在订单中查看支付记录。重复支付会在 24 小时内自动退回；如未退回，请带订单号升级给财务。</p>""",
    },
    {
        "category": "after_sales", "visibility": "public", "topics": ["product"],
        "tags": ["care", "cleaning", "保养"],
        "title_en": "Product care",
        "body_en": """
<p>A little care keeps products working and looking good for longer.</p>
<ul>
  <li><strong>Textiles:</strong> wash at 30 °C inside out, do not tumble dry, iron on low.</li>
  <li><strong>Leather:</strong> wipe with a dry cloth, keep away from heat and direct sun, use a
      leather balm twice a year.</li>
  <li><strong>Appliances:</strong> unplug before cleaning, descale kettles and coffee machines
      every month, clean filters every three months.</li>
  <li><strong>Wood:</strong> dust with a soft cloth, use coasters, avoid water standing on it.</li>
</ul>
<p>The care label and the manual have the details for each product. Damage from not following
them is not covered by the warranty.</p>""",
        "title_zh_hans": "产品保养",
        "body_zh_hans": """
<p>适当保养能让产品用得更久、更好看。</p>
<ul>
  <li><strong>纺织品：</strong>30 °C 反面洗涤，不要烘干，低温熨烫。</li>
  <li><strong>皮革：</strong>用干布擦拭，远离热源和阳光直射，每年使用两次皮革护理油。</li>
  <li><strong>电器：</strong>清洁前先拔掉电源；水壶和咖啡机每月除垢，滤网每三个月清洗。</li>
  <li><strong>木制品：</strong>用软布除尘，使用杯垫，不要让水长时间停留。</li>
</ul>
<p>每件产品的洗标和说明书上有详细说明。未按说明使用造成的损坏不在保修范围内。</p>""",
    },
    {
        "category": "stores", "visibility": "public", "topics": ["service", "other"],
        "tags": ["stores", "opening hours", "门店", "营业时间"],
        "title_en": "Store opening hours",
        "body_en": """
<table>
  <thead><tr><th scope="col">Days</th><th scope="col">Opening hours</th></tr></thead>
  <tbody>
    <tr><td>Monday to Friday</td><td>10:00–21:30</td></tr>
    <tr><td>Saturday, Sunday</td><td>9:30–22:00</td></tr>
    <tr><td>Public holidays</td><td>10:00–22:00</td></tr>
    <tr><td>Spring Festival's eve</td><td>10:00–16:00</td></tr>
  </tbody>
</table>
<p>Stores in shopping centres follow the centre's hours. The service desk closes 30 minutes before
the store. Find each store's address and phone number in the app under <em>Stores</em>.</p>""",
        "title_zh_hans": "门店营业时间",
        "body_zh_hans": """
<table>
  <thead><tr><th scope="col">日期</th><th scope="col">营业时间</th></tr></thead>
  <tbody>
    <tr><td>周一至周五</td><td>10:00–21:30</td></tr>
    <tr><td>周六、周日</td><td>9:30–22:00</td></tr>
    <tr><td>法定节假日</td><td>10:00–22:00</td></tr>
    <tr><td>除夕</td><td>10:00–16:00</td></tr>
  </tbody>
</table>
<p>商场内门店按商场营业时间营业。服务台比门店提前 30 分钟关闭。各门店的地址和电话请在 App 的<em>门店</em>页面查看。</p>""",
    },
]
