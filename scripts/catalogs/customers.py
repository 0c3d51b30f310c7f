"""Translations of kehu.customers strings added after the main dictionaries."""

ZH_HANS = {
    "No responses yet: complaint outcomes and survey answers appear here, and campaign responses once marketing is in use.":
        "还没有回应：投诉处理结果和调查答卷会显示在这里；启用营销后，活动回应也会显示在这里。",
    "Response": "回应",
    "What we did": "我们做了什么",
}

ZH_HANT = {
    "No responses yet: complaint outcomes and survey answers appear here, and campaign responses once marketing is in use.":
        "還沒有回應：客訴處理結果和問卷答覆會顯示在這裡；啟用行銷後，活動回應也會顯示在這裡。",
    "Response": "回應",
    "What we did": "我們做了什麼",
}
