"""Translations of the sales insight strings: referral chains, the lead score, the sales dashboard
(merged by scripts/translate_catalogs.py).

Terms: lead 线索/線索, referral 推荐/推薦, introducer 介绍人/介紹人, chain 推荐链/推薦鏈, holdout
留出样本/留出樣本, calibration 校准/校準, baseline 基准/基準, coefficient 系数/係數.

Left out on purpose (also used by files outside the insight area, whose owners translate them
once): "a customer you cannot see", "%(n)s open lead", "Sales dashboard", "Won", "Open pipeline",
"No open opportunities.", "Leads", "Qualified", "Converted", "Lead score", "Referrals".
"""

ZH_HANS = {
    # lead score: notes, reasons, rules
    "Too little history to learn from: %(closed)s closed leads (%(converted)s converted, %(disqualified)s "
    "disqualified); a model needs %(min_closed)s, with at least %(min_class)s of each. Leads are scored by the "
    "rule score meanwhile.":
        "历史数据太少，无法学习：%(closed)s 条已关闭线索（%(converted)s 条已转化，%(disqualified)s 条已淘汰）；"
        "训练模型需要 %(min_closed)s 条，且两种结果各至少 %(min_class)s 条。在此之前按规则评分。",
    "The older part of the history holds only one outcome, so nothing can be learned from it yet; leads are "
    "scored by the rule score meanwhile.":
        "较早的历史数据只有一种结果，暂时无法从中学习；在此之前按规则评分。",
    "Logistic regression on %(n_train)s older closed leads, checked on the %(n_holdout)s newest, then refitted on "
    "all %(n)s.":
        "逻辑回归：用 %(n_train)s 条较早的已关闭线索训练，在最新的 %(n_holdout)s 条上检验，再用全部 %(n)s 条重新拟合。",
    "Its probabilities were off on the holdout, so they are recalibrated (sigmoid).":
        "其概率在留出样本上有偏差，因此已重新校准（sigmoid）。",
    "a less common source": "较少见的来源",
    "a less common channel": "较少见的渠道",
    "a less common region": "较少见的地区",
    "a less common company size": "较少见的公司规模",
    "a less common nature": "较少见的客户性质",
    "source: %(source)s": "来源：%(source)s",
    "channel: %(channel)s": "渠道：%(channel)s",
    "channel unknown": "渠道未知",
    "region: %(region)s": "地区：%(region)s",
    "region unknown": "地区未知",
    "company size: %(size)s": "公司规模：%(size)s",
    "company size unknown": "公司规模未知",
    "nature: %(nature)s": "客户性质：%(nature)s",
    "nature unknown": "客户性质未知",
    "has a phone number": "有电话号码",
    "no phone": "没有电话",
    "has an email address": "有邮箱地址",
    "no email": "没有邮箱",
    "has a WeChat ID": "有微信号",
    "no WeChat ID": "没有微信号",
    "company given": "填写了公司",
    "no company given": "未填写公司",
    "referred by a customer or contact": "由客户或联系人推荐",
    "not referred": "无人推荐",
    "referral from a VIP customer": "VIP 客户推荐",
    "not referred by a VIP customer": "非 VIP 客户推荐",
    "%(n)s activity done": "已完成 %(n)s 项活动",
    "no activities done yet": "尚未完成任何活动",
    "%(n)s interaction": "%(n)s 次互动",
    "no interactions yet": "尚无互动",
    "%(n)s email reply": "%(n)s 封邮件回复",
    "no email replies": "没有邮件回复",
    "%(n)s day old": "已创建 %(n)s 天",
    "activities done (log scale)": "已完成的活动（对数刻度）",
    "interactions (log scale)": "互动次数（对数刻度）",
    "email replies (log scale)": "邮件回复（对数刻度）",
    "age of the lead (log scale)": "线索存在时长（对数刻度）",
    "%(points)+d each, up to %(cap)+d": "每项 %(points)+d，最多 %(cap)+d",
    "the source is a referral": "来源为推荐",
    "age past the first month": "超过一个月的时长",
    "%(points)+d a week, down to %(floor)+d": "每周 %(points)+d，最低 %(floor)+d",
    "Retraining queued: the worker trains the lead score and rescores every open lead in a minute or two.":
        "已排队重新训练：后台任务将在一两分钟内训练线索评分，并为所有未关闭线索重新评分。",
    # period filter
    "Last %(n)s day": "最近 %(n)s 天",
    "Custom dates": "自定义日期",
    # referral tree
    "revenue": "收入",
    "referred %(n)s customer": "推荐了 %(n)s 位客户",
    "their tree": "其推荐树",
    "more referrals below: open their tree": "下面还有更多推荐：打开其推荐树",
    "more referrals below": "下面还有更多推荐",
    "Referral tree of %(name)s": "%(name)s 的推荐树",
    "Who introduced this customer": "谁介绍了这位客户",
    "Introduced by": "介绍人",
    "Customers won through the chain": "通过推荐链赢得的客户",
    "%(n)s level deep": "共 %(n)s 层",
    "and %(n)s customer you cannot see": "另有 %(n)s 位您无权查看的客户",
    "what the customers they brought in bought": "其带来的客户的购买金额",
    "Chain CLV": "推荐链客户终生价值",
    "their lifetime value, from the latest scoring": "其客户终生价值（来自最近一次评分）",
    "Open leads in the chain": "推荐链中的未关闭线索",
    "%(name)s themselves": "%(name)s 本人",
    "Who introduced whom": "谁介绍了谁",
    "Showing up to %(levels)s levels and %(nodes)s customers; open a customer's own tree to go further. The totals "
    "above count the whole chain.":
        "最多显示 %(levels)s 层、%(nodes)s 位客户；打开某位客户自己的推荐树可继续查看。上方合计包括整条推荐链。",
    "No one has been referred by this customer yet.": "这位客户还没有推荐过任何人。",
    # referrals page
    "Everyone knows about 250 people: a satisfied customer who introduces others is worth more than their own "
    "purchases. Here are the customers whose introductions brought the most, and how referrals compare with the "
    "other sources.":
        "每个人大约认识 250 个人：一位满意并愿意介绍他人的客户，其价值远超自身的购买。这里列出介绍带来最多价值的客户，"
        "以及推荐与其他来源的对比。",
    "Period and ranking": "时间段与排名",
    "Rank by": "排名依据",
    "Customers they referred": "其推荐的客户",
    "New customers in their chain": "其推荐链中的新客户",
    "Chain revenue": "推荐链收入",
    "Best introducers": "最佳介绍人",
    "Referred: customers they introduced themselves who joined in the period. Chain: everyone down to %(depth)s "
    "levels below them (their referrals' referrals …): who joined in the period, what the chain bought in the "
    "period, and its lifetime value today.":
        "已推荐：本人介绍、并在该时间段内成为客户的人。推荐链：其下方最多 %(depth)s 层的所有人（被推荐人再推荐的人……）："
        "该时间段内新加入的人数、推荐链在该时间段内的购买金额，以及目前的客户终生价值。",
    "Referred": "已推荐",
    "New in the chain": "推荐链新增",
    "Chain size": "推荐链人数",
    "No referrals brought customers or revenue in this period.": "该时间段内没有推荐带来客户或收入。",
    "Referral chains against the other sources": "推荐链与其他来源对比",
    "Referral sources": "推荐来源",
    "%(c)s of %(n)s lead converted": "%(n)s 条线索中 %(c)s 条已转化",
    "Revenue per customer": "每位客户收入",
    "CLV per customer": "每位客户终生价值",
    "All other sources": "其他所有来源",
    "Lead conversion by source": "各来源的线索转化率",
    "Leads created in the period, by source": "该时间段内创建的线索（按来源）",
    "Conversion": "转化率",
    "referral": "推荐",
    "Value per customer by acquisition source": "各客户来源的每位客户价值",
    "Customers acquired in the period, by acquisition source": "该时间段内获得的客户（按客户来源）",
    "No new customers in this period.": "该时间段内没有新客户。",
    "No leads in this period.": "该时间段内没有线索。",
    "All referrals": "全部推荐",
    "No referrals in this period.": "该时间段内没有推荐。",
    "Referral leaders": "推荐排行",
    # dashboard
    "Period and pipeline": "时间段与销售管道",
    "From %(start)s to %(end)s. Everything counts only the records you may see.":
        "从 %(start)s 到 %(end)s。所有数字只统计您有权查看的记录。",
    "Win rate": "赢单率",
    "of the opportunities closed in the period": "占该时间段内关闭的商机",
    "weighted, of %(amount)s in %(n)s open opportunity": "加权金额，来自 %(n)s 个进行中商机共 %(amount)s",
    "Funnel": "销售漏斗",
    "Opportunities created in the period that reached each stage (skipping a stage counts as passing it), the share "
    "that went on to the next, and the time spent in each stage by the moves made in the period.":
        "该时间段内创建、到达各阶段的商机（跳过的阶段计为已通过），进入下一阶段的比例，以及按该时间段内的阶段变更计算的各阶段停留时间。",
    "Funnel by stage": "各阶段漏斗",
    "Reached": "已到达",
    "On to the next": "进入下一阶段",
    "Median time": "时间中位数",
    "Average time": "平均时间",
    "%(h)s h": "%(h)s 小时",
    "No pipeline.": "没有销售管道。",
    "Won and lost, and why": "赢单与输单及原因",
    "Lost reasons": "输单原因",
    "Nothing lost in this period.": "该时间段内没有输单。",
    "Pipeline by owner": "各负责人的销售管道",
    "Open opportunities now: weighted amount (amount × the stage's probability) per stage.":
        "当前进行中的商机：各阶段的加权金额（金额 × 阶段概率）。",
    "Weighted open pipeline by owner and stage": "按负责人和阶段的加权进行中销售管道",
    "Lead yield per source": "各来源的线索产出",
    "Leads created in the period → qualified → converted into customers → what those customers bought since → "
    "their lifetime value.":
        "该时间段内创建的线索 → 已确认 → 转化为客户 → 这些客户此后的购买金额 → 其客户终生价值。",
    "Activities per rep": "各销售代表的活动",
    "Rep": "销售代表",
    "Done in the period": "该时间段内完成",
    # lead score page
    "Retrain now": "立即重新训练",
    "The probability that a lead becomes a customer, learned from the leads that were converted or disqualified "
    "before, retrained every week. Each lead shows the reasons that pushed its score up or down the most.":
        "线索成为客户的概率，从以往已转化或已淘汰的线索中学习，每周重新训练。每条线索都会显示对其评分影响最大的原因。",
    "In use": "使用中",
    "trained %(date)s": "训练于 %(date)s",
    "AUC on the holdout": "留出样本上的 AUC",
    "source-frequency baseline: %(b)s": "来源频率基准：%(b)s",
    "0.5 is a coin toss, 1 is perfect": "0.5 相当于抛硬币，1 为完美",
    "Brier score": "Brier 分数",
    "mean squared error of the probabilities; lower is better": "概率的均方误差；越低越好",
    "%(t)s to train, %(h)s newest to check; %(p)s converted": "%(t)s 条用于训练，最新 %(h)s 条用于检验；%(p)s 条已转化",
    "A trained model needs at least %(n)s closed leads, %(k)s of them converted and %(k)s disqualified.":
        "训练模型至少需要 %(n)s 条已关闭线索，其中已转化 %(k)s 条、已淘汰 %(k)s 条。",
    "Calibration on the holdout": "留出样本上的校准",
    "Leads grouped by their predicted probability: of the leads given about 30 %%, about 30 %% should have "
    "converted.":
        "按预测概率分组的线索：预测约为 30%% 的线索中，应有约 30%% 已转化。",
    "Predicted": "预测",
    "Predicted and observed conversion per probability band": "各概率区间的预测与实际转化率",
    "Mean prediction": "平均预测值",
    "No holdout to check yet.": "尚无留出样本可供检验。",
    "What moves the score": "影响评分的因素",
    "Coefficients of the logistic regression, largest effect first: for a yes/no feature the change in log-odds "
    "when a lead has it, for a count per standard deviation. Positive raises the score.":
        "逻辑回归的系数，按影响大小排列：是/否特征为线索具备该特征时对数几率的变化，计数特征为每个标准差的变化。正值提高评分。",
    "Coefficients of the lead score": "线索评分的系数",
    "Feature": "特征",
    "Coefficient": "系数",
    "The rule score's points": "规则评分的分值",
    "Points per feature, added up; 20 points is a 50 %% score, each 15 points more or less moves it along the "
    "logistic curve.":
        "各特征的分值相加；20 分对应 50%% 的评分，每增减 15 分沿逻辑曲线移动。",
    "The lead score has not been trained yet.": "线索评分尚未训练。",
    "Trainings": "训练记录",
    "Trainings of the lead score, newest first": "线索评分的训练记录（最新在前）",
    "Trained": "训练时间",
    "AUC": "AUC",
    "Baseline AUC": "基准 AUC",
    "Brier": "Brier",
    "No trainings yet.": "尚无训练记录。",
}

ZH_HANT = {
    # lead score: notes, reasons, rules
    "Too little history to learn from: %(closed)s closed leads (%(converted)s converted, %(disqualified)s "
    "disqualified); a model needs %(min_closed)s, with at least %(min_class)s of each. Leads are scored by the "
    "rule score meanwhile.":
        "歷史資料太少，無法學習：%(closed)s 筆已關閉線索（%(converted)s 筆已轉化，%(disqualified)s 筆已淘汰）；"
        "訓練模型需要 %(min_closed)s 筆，且兩種結果各至少 %(min_class)s 筆。在此之前依規則評分。",
    "The older part of the history holds only one outcome, so nothing can be learned from it yet; leads are "
    "scored by the rule score meanwhile.":
        "較早的歷史資料只有一種結果，暫時無法從中學習；在此之前依規則評分。",
    "Logistic regression on %(n_train)s older closed leads, checked on the %(n_holdout)s newest, then refitted on "
    "all %(n)s.":
        "邏輯迴歸：以 %(n_train)s 筆較早的已關閉線索訓練，在最新的 %(n_holdout)s 筆上檢驗，再以全部 %(n)s 筆重新擬合。",
    "Its probabilities were off on the holdout, so they are recalibrated (sigmoid).":
        "其機率在留出樣本上有偏差，因此已重新校準（sigmoid）。",
    "a less common source": "較少見的來源",
    "a less common channel": "較少見的管道",
    "a less common region": "較少見的地區",
    "a less common company size": "較少見的公司規模",
    "a less common nature": "較少見的客戶性質",
    "source: %(source)s": "來源：%(source)s",
    "channel: %(channel)s": "管道：%(channel)s",
    "channel unknown": "管道未知",
    "region: %(region)s": "地區：%(region)s",
    "region unknown": "地區未知",
    "company size: %(size)s": "公司規模：%(size)s",
    "company size unknown": "公司規模未知",
    "nature: %(nature)s": "客戶性質：%(nature)s",
    "nature unknown": "客戶性質未知",
    "has a phone number": "有電話號碼",
    "no phone": "沒有電話",
    "has an email address": "有電子郵件地址",
    "no email": "沒有電子郵件",
    "has a WeChat ID": "有微信號",
    "no WeChat ID": "沒有微信號",
    "company given": "填寫了公司",
    "no company given": "未填寫公司",
    "referred by a customer or contact": "由客戶或聯絡人推薦",
    "not referred": "無人推薦",
    "referral from a VIP customer": "VIP 客戶推薦",
    "not referred by a VIP customer": "非 VIP 客戶推薦",
    "%(n)s activity done": "已完成 %(n)s 項活動",
    "no activities done yet": "尚未完成任何活動",
    "%(n)s interaction": "%(n)s 次互動",
    "no interactions yet": "尚無互動",
    "%(n)s email reply": "%(n)s 封郵件回覆",
    "no email replies": "沒有郵件回覆",
    "%(n)s day old": "已建立 %(n)s 天",
    "activities done (log scale)": "已完成的活動（對數刻度）",
    "interactions (log scale)": "互動次數（對數刻度）",
    "email replies (log scale)": "郵件回覆（對數刻度）",
    "age of the lead (log scale)": "線索存在時長（對數刻度）",
    "%(points)+d each, up to %(cap)+d": "每項 %(points)+d，最多 %(cap)+d",
    "the source is a referral": "來源為推薦",
    "age past the first month": "超過一個月的時長",
    "%(points)+d a week, down to %(floor)+d": "每週 %(points)+d，最低 %(floor)+d",
    "Retraining queued: the worker trains the lead score and rescores every open lead in a minute or two.":
        "已排入重新訓練：背景工作將在一兩分鐘內訓練線索評分，並為所有未關閉線索重新評分。",
    # period filter
    "Last %(n)s day": "最近 %(n)s 天",
    "Custom dates": "自訂日期",
    # referral tree
    "revenue": "營收",
    "referred %(n)s customer": "推薦了 %(n)s 位客戶",
    "their tree": "其推薦樹",
    "more referrals below: open their tree": "下方還有更多推薦：開啟其推薦樹",
    "more referrals below": "下方還有更多推薦",
    "Referral tree of %(name)s": "%(name)s 的推薦樹",
    "Who introduced this customer": "誰介紹了這位客戶",
    "Introduced by": "介紹人",
    "Customers won through the chain": "透過推薦鏈贏得的客戶",
    "%(n)s level deep": "共 %(n)s 層",
    "and %(n)s customer you cannot see": "另有 %(n)s 位您無權查看的客戶",
    "what the customers they brought in bought": "其帶來的客戶的購買金額",
    "Chain CLV": "推薦鏈客戶終身價值",
    "their lifetime value, from the latest scoring": "其客戶終身價值（來自最近一次評分）",
    "Open leads in the chain": "推薦鏈中的未關閉線索",
    "%(name)s themselves": "%(name)s 本人",
    "Who introduced whom": "誰介紹了誰",
    "Showing up to %(levels)s levels and %(nodes)s customers; open a customer's own tree to go further. The totals "
    "above count the whole chain.":
        "最多顯示 %(levels)s 層、%(nodes)s 位客戶；開啟某位客戶自己的推薦樹可繼續查看。上方合計包含整條推薦鏈。",
    "No one has been referred by this customer yet.": "這位客戶還沒有推薦過任何人。",
    # referrals page
    "Everyone knows about 250 people: a satisfied customer who introduces others is worth more than their own "
    "purchases. Here are the customers whose introductions brought the most, and how referrals compare with the "
    "other sources.":
        "每個人大約認識 250 個人：一位滿意並願意介紹他人的客戶，其價值遠超自身的購買。這裡列出介紹帶來最多價值的客戶，"
        "以及推薦與其他來源的比較。",
    "Period and ranking": "期間與排名",
    "Rank by": "排名依據",
    "Customers they referred": "其推薦的客戶",
    "New customers in their chain": "其推薦鏈中的新客戶",
    "Chain revenue": "推薦鏈營收",
    "Best introducers": "最佳介紹人",
    "Referred: customers they introduced themselves who joined in the period. Chain: everyone down to %(depth)s "
    "levels below them (their referrals' referrals …): who joined in the period, what the chain bought in the "
    "period, and its lifetime value today.":
        "已推薦：本人介紹、並在該期間內成為客戶的人。推薦鏈：其下方最多 %(depth)s 層的所有人（被推薦人再推薦的人……）："
        "該期間內新加入的人數、推薦鏈在該期間內的購買金額，以及目前的客戶終身價值。",
    "Referred": "已推薦",
    "New in the chain": "推薦鏈新增",
    "Chain size": "推薦鏈人數",
    "No referrals brought customers or revenue in this period.": "該期間內沒有推薦帶來客戶或營收。",
    "Referral chains against the other sources": "推薦鏈與其他來源比較",
    "Referral sources": "推薦來源",
    "%(c)s of %(n)s lead converted": "%(n)s 筆線索中 %(c)s 筆已轉化",
    "Revenue per customer": "每位客戶營收",
    "CLV per customer": "每位客戶終身價值",
    "All other sources": "其他所有來源",
    "Lead conversion by source": "各來源的線索轉化率",
    "Leads created in the period, by source": "該期間內建立的線索（依來源）",
    "Conversion": "轉化率",
    "referral": "推薦",
    "Value per customer by acquisition source": "各客戶來源的每位客戶價值",
    "Customers acquired in the period, by acquisition source": "該期間內獲得的客戶（依客戶來源）",
    "No new customers in this period.": "該期間內沒有新客戶。",
    "No leads in this period.": "該期間內沒有線索。",
    "All referrals": "全部推薦",
    "No referrals in this period.": "該期間內沒有推薦。",
    "Referral leaders": "推薦排行",
    # dashboard
    "Period and pipeline": "期間與銷售管道",
    "From %(start)s to %(end)s. Everything counts only the records you may see.":
        "從 %(start)s 到 %(end)s。所有數字只統計您有權查看的記錄。",
    "Win rate": "贏單率",
    "of the opportunities closed in the period": "佔該期間內關閉的商機",
    "weighted, of %(amount)s in %(n)s open opportunity": "加權金額，來自 %(n)s 個進行中商機共 %(amount)s",
    "Funnel": "銷售漏斗",
    "Opportunities created in the period that reached each stage (skipping a stage counts as passing it), the share "
    "that went on to the next, and the time spent in each stage by the moves made in the period.":
        "該期間內建立、到達各階段的商機（跳過的階段視為已通過），進入下一階段的比例，以及依該期間內的階段變更計算的各階段停留時間。",
    "Funnel by stage": "各階段漏斗",
    "Reached": "已到達",
    "On to the next": "進入下一階段",
    "Median time": "時間中位數",
    "Average time": "平均時間",
    "%(h)s h": "%(h)s 小時",
    "No pipeline.": "沒有銷售管道。",
    "Won and lost, and why": "贏單與輸單及原因",
    "Lost reasons": "輸單原因",
    "Nothing lost in this period.": "該期間內沒有輸單。",
    "Pipeline by owner": "各負責人的銷售管道",
    "Open opportunities now: weighted amount (amount × the stage's probability) per stage.":
        "目前進行中的商機：各階段的加權金額（金額 × 階段機率）。",
    "Weighted open pipeline by owner and stage": "依負責人和階段的加權進行中銷售管道",
    "Lead yield per source": "各來源的線索產出",
    "Leads created in the period → qualified → converted into customers → what those customers bought since → "
    "their lifetime value.":
        "該期間內建立的線索 → 已確認 → 轉化為客戶 → 這些客戶此後的購買金額 → 其客戶終身價值。",
    "Activities per rep": "各業務代表的活動",
    "Rep": "業務代表",
    "Done in the period": "該期間內完成",
    # lead score page
    "Retrain now": "立即重新訓練",
    "The probability that a lead becomes a customer, learned from the leads that were converted or disqualified "
    "before, retrained every week. Each lead shows the reasons that pushed its score up or down the most.":
        "線索成為客戶的機率，從以往已轉化或已淘汰的線索中學習，每週重新訓練。每筆線索都會顯示對其評分影響最大的原因。",
    "In use": "使用中",
    "trained %(date)s": "訓練於 %(date)s",
    "AUC on the holdout": "留出樣本上的 AUC",
    "source-frequency baseline: %(b)s": "來源頻率基準：%(b)s",
    "0.5 is a coin toss, 1 is perfect": "0.5 相當於擲硬幣，1 為完美",
    "Brier score": "Brier 分數",
    "mean squared error of the probabilities; lower is better": "機率的均方誤差；越低越好",
    "%(t)s to train, %(h)s newest to check; %(p)s converted": "%(t)s 筆用於訓練，最新 %(h)s 筆用於檢驗；%(p)s 筆已轉化",
    "A trained model needs at least %(n)s closed leads, %(k)s of them converted and %(k)s disqualified.":
        "訓練模型至少需要 %(n)s 筆已關閉線索，其中已轉化 %(k)s 筆、已淘汰 %(k)s 筆。",
    "Calibration on the holdout": "留出樣本上的校準",
    "Leads grouped by their predicted probability: of the leads given about 30 %%, about 30 %% should have "
    "converted.":
        "依預測機率分組的線索：預測約為 30%% 的線索中，應有約 30%% 已轉化。",
    "Predicted": "預測",
    "Predicted and observed conversion per probability band": "各機率區間的預測與實際轉化率",
    "Mean prediction": "平均預測值",
    "No holdout to check yet.": "尚無留出樣本可供檢驗。",
    "What moves the score": "影響評分的因素",
    "Coefficients of the logistic regression, largest effect first: for a yes/no feature the change in log-odds "
    "when a lead has it, for a count per standard deviation. Positive raises the score.":
        "邏輯迴歸的係數，依影響大小排列：是/否特徵為線索具備該特徵時對數勝算的變化，計數特徵為每個標準差的變化。正值提高評分。",
    "Coefficients of the lead score": "線索評分的係數",
    "Feature": "特徵",
    "Coefficient": "係數",
    "The rule score's points": "規則評分的分值",
    "Points per feature, added up; 20 points is a 50 %% score, each 15 points more or less moves it along the "
    "logistic curve.":
        "各特徵的分值相加；20 分對應 50%% 的評分，每增減 15 分沿邏輯曲線移動。",
    "The lead score has not been trained yet.": "線索評分尚未訓練。",
    "Trainings": "訓練記錄",
    "Trainings of the lead score, newest first": "線索評分的訓練記錄（最新在前）",
    "Trained": "訓練時間",
    "AUC": "AUC",
    "Baseline AUC": "基準 AUC",
    "Brier": "Brier",
    "No trainings yet.": "尚無訓練記錄。",
}
