"""The vocabulary: the canonical fields of each kind of file, their header synonyms, the default value maps
and the label families (case categories and outcomes, survey modes) that ingestion and the domain modules
share. A leaf module (it imports nothing of Jingmin), so both ingest and cases may use it.

Everything a person may want to look up about how a header or a text answer is understood lives
here, in one place, and is documented in ``docs/ingest.md``. Synonyms are compared after
:func:`norm_header` (lower case, full-width folded to ASCII, spaces and punctuation removed).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

KINDS = ("jurisdictions", "survey", "cases", "internal", "disputes", "hazards", "demands", "comments")
# The prevention and voice kinds (issue 19): loaded by analytics.ingest.records after the common checks.
RECORD_KINDS = ("disputes", "hazards", "demands", "comments")

# Mapping targets that are not fields: skip the column; hash a personal column into the person key.
IGNORE = "ignore"
PERSON_HASH = {"survey": "person_hash", "cases": "reporter_hash", "disputes": "party_hash"}
# Free-text fields: redacted (phones, ID numbers, plates, house numbers, names) before anything is stored,
# so the PII check that rejects a personal value in an ordinary text field does not apply to them.
FREE_TEXT = {"demands": ("text", "reply"), "comments": ("text",), "cases": ("opinion_text",)}


@dataclass(frozen=True)
class Field:
    """A canonical field: its name, the type its text is parsed as, and whether a file must give it."""

    name: str
    type: str  # text, date, timestamp, number, count, decimal, bool, enum, label, family, jurisdiction
    required: bool = False
    choices: tuple[str, ...] = ()


# Field types that never reject a label:
# * ``label``: the value map's code when the (folded) text is in it, else the trimmed text itself.
# * ``family``: the value map's code (one of ``choices``) when mapped, else ``other``; the trimmed text is
#   kept beside it in ``<field>_label`` and unmapped labels are counted in the load summary.
OPEN_TYPES = ("label", "family")
UNMAPPED = "other"

# Category families the case metrics know (a file's own category labels map onto these, or to 'other').
CATEGORIES = ("theft", "fraud", "burglary", "robbery", "violence", "drugs", "dispute", "traffic", "help",
              "petition", "hazard", "other")
# Outcome families. mediation_failed is the rest of 调结率's base; not_accepted and withdrawn close a case
# without a result; 'other' is a label not mapped yet (left out of the outcome-rate bases).
OUTCOMES = ("solved", "mediated", "mediation_failed", "referred", "unsolved", "answered", "not_accepted",
            "withdrawn", "other")
CALLBACK_RESULTS = ("satisfied", "basically_satisfied", "dissatisfied")
# Survey modes the catalog names; any other label a file gives is kept as it is.
SURVEY_MODES = ("mail", "online", "phone", "face_to_face", "sms", "ivr", "qr_code")
# Registry levels, top down. A community (社区/村, 警务区, 警务室) sits under a station: residents are sampled by
# village or community, so survey and case rows may be coded to one; its rows count in its station's, district's
# and city's figures through the ancestors. Figures per community are not offered (analytics.choices.LEVELS).
LEVELS = ("city", "district", "station", "community")
# The item holding age in whole years, and the ages a person can have: a number outside is a row problem.
AGE_YEARS_ITEM = "age"
AGE_YEARS_RANGE = (0, 120)
# Prevention and voice families (a file's own labels map onto these, else 'other' with the label kept).
DISPUTE_SOURCES = ("visit", "screening", "call_110", "walk_in", "referral", "other")
DISPUTE_TYPES = ("neighbour", "family", "labour", "land", "medical", "traffic", "property", "other")
MEDIATION_RESULTS = ("mediated", "failed", "pending", "referred", "other")
HAZARD_PLACES = ("key_site", "special_trade", "traffic", "fire", "dangerous_goods", "other")
SEVERITIES = ("major", "general", "other")
CHANNELS = ("call_110", "hotline_12345", "petition", "visit", "online", "forum", "deputy", "other")
DEMAND_STATUSES = ("open", "answered", "closed", "other")
COMMENT_SOURCES = ("survey", "callback", "other")

FIELDS: dict[str, dict[str, Field]] = {
    "survey": {f.name: f for f in [
        Field("respondent_id", "text", required=True),
        Field("interview_date", "date", required=True),
        Field("jurisdiction", "jurisdiction", required=True),
        Field("weight", "number"),
        Field("stratum", "text"),
        Field("cluster", "text"),
        Field("mode", "label", choices=SURVEY_MODES),
        # The survey wave (FY22Q1, 2021年第二轮): kept as the file writes it (trimmed), per row or per file.
        Field("wave", "text"),
        # When the interview began and ended, or its length in minutes: for the integrity checks (issue 18).
        Field("interview_start", "timestamp"),
        Field("interview_end", "timestamp"),
        Field("duration_min", "number"),
    ]},
    "cases": {f.name: f for f in [
        Field("case_id", "text", required=True),
        Field("jurisdiction", "jurisdiction", required=True),
        Field("category", "family", choices=CATEGORIES),
        Field("is_small", "bool"),
        Field("reported_at", "timestamp", required=True),
        Field("first_response_at", "timestamp"),
        Field("closed_at", "timestamp"),
        Field("status", "enum", choices=("open", "closed")),
        Field("outcome", "family", choices=OUTCOMES),
        Field("mediation_agreed", "bool"),
        Field("callback_at", "timestamp"),
        Field("callback_result", "enum", choices=CALLBACK_RESULTS),
        Field("rectification_status", "enum", choices=("rectified", "pending")),
        Field("rectified_at", "timestamp"),
        Field("callback_operator", "text"),
        Field("dispute_ref", "text"),
        # Callbacks on unsolved cases: whether opinions were asked for, and what the reporter said (free text,
        # stored only redacted, as a callback comment).
        Field("opinion_collected", "bool"),
        Field("opinion_text", "text"),
    ]},
    "disputes": {f.name: f for f in [  # one row per dispute x party (a dispute may repeat, once per party)
        Field("dispute_id", "text", required=True),
        Field("jurisdiction", "jurisdiction", required=True),
        Field("found_at", "date", required=True),
        Field("source", "family", choices=DISPUTE_SOURCES),
        Field("dispute_type", "family", choices=DISPUTE_TYPES),
        Field("mediation_result", "family", choices=MEDIATION_RESULTS),
        Field("mediated_at", "date"),
    ]},
    "hazards": {f.name: f for f in [
        Field("hazard_id", "text", required=True),
        Field("jurisdiction", "jurisdiction", required=True),
        Field("found_at", "date", required=True),
        Field("place_category", "family", choices=HAZARD_PLACES),
        Field("severity", "family", choices=SEVERITIES),
        Field("deadline", "date"),
        Field("rectified_at", "date"),
    ]},
    "demands": {f.name: f for f in [
        Field("demand_id", "text", required=True),
        Field("channel", "family", required=True, choices=CHANNELS),
        Field("received_at", "timestamp", required=True),
        Field("jurisdiction", "jurisdiction", required=True),
        Field("text", "text", required=True),
        Field("topic", "text"),
        Field("status", "family", choices=DEMAND_STATUSES),
        Field("answered_at", "timestamp"),
        Field("reply", "text"),
    ]},
    "comments": {f.name: f for f in [
        Field("comment_id", "text", required=True),
        Field("source", "family", choices=COMMENT_SOURCES),
        Field("jurisdiction", "jurisdiction", required=True),
        Field("commented_at", "date", required=True),
        Field("text", "text", required=True),
    ]},
    "jurisdictions": {f.name: f for f in [
        Field("code", "text", required=True),
        Field("name_zh", "text", required=True),
        Field("name_en", "text"),
        Field("parent_code", "text"),
        Field("level", "enum", required=True, choices=LEVELS),
        Field("population", "count"),
    ]},
    # Internal evaluation (内部评价): one row per jurisdiction x period x measure, optionally per officer. A rate
    # measure gives numerator and denominator (e.g. clues provided by residents / clues that led to a detection),
    # a mean measure a score with the number tested (and its standard deviation when known). ``period`` is a
    # month, quarter or year label (2026-03, 2026Q1, 2026); measures are defined in internal_measures.
    "internal": {f.name: f for f in [
        Field("jurisdiction", "jurisdiction", required=True),
        Field("period", "text", required=True),
        Field("measure", "text", required=True),
        Field("officer_id", "text"),
        Field("numerator", "count"),
        Field("denominator", "count"),
        Field("score", "decimal"),
        Field("score_sd", "decimal"),
        Field("n_tested", "count"),
    ]},
}

# Header synonyms per kind: canonical field (or default item) -> the headers that mean it.
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "survey": {
        "respondent_id": ("respondent_id", "问卷编号", "编号", "ID", "问卷号", "问卷ID", "受访者编号", "样本编号",
                          "respondent", "respondent id", "idno", "resp_id"),
        "interview_date": ("interview_date", "调查日期", "访问时间", "日期", "访问日期", "调查时间", "填写时间",
                           "提交时间", "date", "interview date"),
        "jurisdiction": ("jurisdiction", "派出所", "辖区", "单位", "所属派出所", "所属单位", "辖区派出所", "所属辖区",
                         "station", "precinct", "police station", "district", "police district", "beat"),
        "weight": ("weight", "权重", "加权", "样本权重", "design weight"),
        "stratum": ("stratum", "strata", "分层", "层"),
        "cluster": ("cluster", "psu", "抽样单元", "群"),
        "interview_start": ("interview_start", "开始时间", "访问开始时间", "调查开始时间", "start time",
                            "interview start", "started at"),
        "interview_end": ("interview_end", "结束时间", "访问结束时间", "调查结束时间", "end time", "interview end",
                          "ended at"),
        "duration_min": ("duration_min", "访问时长", "时长分钟", "访问时长分钟", "用时分钟", "duration",
                         "duration minutes", "interview length"),
        "mode": ("mode", "调查方式", "访问方式", "调查模式", "填答方式", "survey mode", "interview mode"),
        "wave": ("wave", "轮次", "批次", "调查轮次", "调查批次", "波次", "round", "survey wave", "survey round"),
        "satisfaction": ("总体满意度", "满意度", "overall satisfaction"),
        "satisfaction_3": ("满意度三级", "三级满意度"),
        "seen_police": ("是否见过民警", "见警", "见过民警", "是否见过民警巡逻", "seen police"),
        "knows_officer": ("是否认识社区民警", "认识社区民警", "识警", "knows officer"),
        "knows_contact": ("知道报警", "联系方式", "是否知道报警求助方式", "知警", "knows contact"),
        "safety": ("安全感", "safety"),
        "trust": ("信任度", "信任", "trust"),
        "sex": ("性别", "sex", "gender"),
        "age_band": ("年龄段", "年龄组", "age band", "age group", "agegroup"),
        "age": ("年龄", "周岁", "年龄岁", "age", "age in years", "age years"),
        "education": ("文化程度", "学历", "受教育程度", "education", "educational level"),
        "income": ("收入", "月收入", "家庭月收入", "个人月收入", "收入水平", "income", "household income"),
        "area_type": ("城乡", "城乡类型", "居住地类型", "地区类型", "area type", "urban rural", "urbanrural"),
        "interviewer": ("访问员", "访员", "调查员", "访员编号", "interviewer", "interviewer id"),
        "channel": ("渠道", "来源渠道", "填答渠道", "channel", "source channel"),
    },
    "cases": {
        "case_id": ("case_id", "案件编号", "警情编号", "案件号", "编号", "接警单号", "case id", "crime id", "ID"),
        "jurisdiction": ("jurisdiction", "派出所", "辖区", "单位", "所属派出所", "所属单位", "管辖单位", "station",
                         "precinct", "police station", "district", "police district", "beat"),
        "category": ("category", "案件类别", "警情类别", "类别", "案件类型", "类型", "crime type", "type"),
        "is_small": ("is_small", "是否小案", "小案", "是否小案件", "small case"),
        "reported_at": ("reported_at", "报案时间", "报警时间", "接警时间", "发案时间", "reported", "report time"),
        "first_response_at": ("first_response_at", "首次响应时间", "到场时间", "出警时间", "first response"),
        "closed_at": ("closed_at", "结案时间", "办结时间", "closed"),
        "status": ("status", "案件状态", "状态", "办理状态"),
        "outcome": ("outcome", "处理结果", "结果", "办理结果", "outcome type", "last outcome category"),
        "mediation_agreed": ("mediation_agreed", "是否达成调解协议", "是否调解成功", "调解协议", "mediation"),
        "callback_at": ("callback_at", "回访时间", "callback time"),
        "callback_result": ("callback_result", "回访结果", "回访满意度", "callback result"),
        "rectification_status": ("rectification_status", "整改状态", "是否整改", "rectification"),
        "rectified_at": ("rectified_at", "整改时间", "整改完成时间", "rectified"),
        "callback_operator": ("callback_operator", "回访人", "回访民警", "回访人员", "回访员", "callback operator",
                              "callback by"),
        "dispute_ref": ("dispute_ref", "关联纠纷编号", "纠纷编号", "dispute id", "dispute ref"),
        "opinion_collected": ("opinion_collected", "是否征求意见", "征求意见", "是否征求意见建议", "意见征集",
                              "是否听取意见", "opinion collected", "opinions collected", "opinions asked"),
        "opinion_text": ("opinion_text", "意见建议内容", "征求意见内容", "群众意见", "报案人意见", "回访意见",
                         "意见建议", "opinion", "opinions", "opinion text", "reporter opinion"),
    },
    "disputes": {
        "dispute_id": ("dispute_id", "纠纷编号", "矛盾纠纷编号", "编号", "dispute id", "ID"),
        "jurisdiction": ("jurisdiction", "派出所", "辖区", "所属派出所", "单位", "station"),
        "found_at": ("found_at", "发现日期", "排查日期", "登记日期", "发现时间", "found", "date found"),
        "source": ("source", "来源", "发现途径", "纠纷来源"),
        "dispute_type": ("dispute_type", "纠纷类型", "类型", "纠纷类别", "type"),
        "mediation_result": ("mediation_result", "调处结果", "调解结果", "化解结果", "result"),
        "mediated_at": ("mediated_at", "调处日期", "调解日期", "化解日期", "mediated"),
        "party_hash": ("party_hash", "当事人电话", "当事人身份证号", "当事人证件号码", "party phone"),
    },
    "hazards": {
        "hazard_id": ("hazard_id", "隐患编号", "编号", "hazard id", "ID"),
        "jurisdiction": ("jurisdiction", "派出所", "辖区", "所属派出所", "单位", "station"),
        "found_at": ("found_at", "发现日期", "排查日期", "检查日期", "found", "date found"),
        "place_category": ("place_category", "场所类别", "隐患类别", "行业场所", "类别", "category"),
        "severity": ("severity", "隐患等级", "等级", "严重程度"),
        "deadline": ("deadline", "整改期限", "限期", "整改时限", "due"),
        "rectified_at": ("rectified_at", "整改日期", "整改完成日期", "整改时间", "rectified"),
    },
    "demands": {
        "demand_id": ("demand_id", "诉求编号", "工单编号", "编号", "demand id", "ID"),
        "channel": ("channel", "渠道", "来源渠道", "受理渠道", "来源"),
        "received_at": ("received_at", "受理时间", "登记时间", "来电时间", "接收时间", "received"),
        "jurisdiction": ("jurisdiction", "派出所", "辖区", "所属派出所", "承办单位", "单位", "station"),
        "text": ("text", "诉求内容", "内容", "反映内容", "问题描述", "content"),
        "topic": ("topic", "话题", "诉求类别", "问题类别"),
        "status": ("status", "办理状态", "状态"),
        "answered_at": ("answered_at", "答复时间", "回复时间", "办结时间", "answered"),
        "reply": ("reply", "答复内容", "回复内容", "答复", "reply text"),
    },
    "comments": {
        "comment_id": ("comment_id", "意见编号", "编号", "comment id", "ID"),
        "source": ("source", "来源", "意见来源"),
        "jurisdiction": ("jurisdiction", "派出所", "辖区", "所属派出所", "单位", "station"),
        "commented_at": ("commented_at", "日期", "填写日期", "回访日期", "date"),
        "text": ("text", "意见建议", "意见", "建议", "内容", "comment"),
    },
    "jurisdictions": {
        "code": ("code", "代码", "编码", "单位代码", "机构代码"),
        "name_zh": ("name_zh", "名称", "中文名", "中文名称", "单位名称", "name"),
        "name_en": ("name_en", "英文名", "英文名称", "english name"),
        "parent_code": ("parent_code", "上级代码", "上级编码", "上级", "parent"),
        "level": ("level", "级别", "层级"),
        "population": ("population", "人口", "常住人口"),
    },
    "internal": {
        "jurisdiction": ("jurisdiction", "派出所", "辖区", "单位", "所属派出所", "所属单位", "station", "precinct"),
        "period": ("period", "时期", "考核期", "考核周期", "统计周期", "期间", "月份", "季度", "年度"),
        "measure": ("measure", "考核项目", "项目", "指标", "内部指标", "measure key", "item"),
        "officer_id": ("officer_id", "警号", "民警编号", "民警警号", "officer", "officer id", "badge"),
        "numerator": ("numerator", "分子", "达标数", "完成数", "破案数", "numerator count"),
        "denominator": ("denominator", "分母", "总数", "基数", "线索数", "denominator count"),
        "score": ("score", "得分", "平均分", "成绩", "测试成绩", "mean score"),
        "score_sd": ("score_sd", "标准差", "成绩标准差", "sd", "standard deviation"),
        "n_tested": ("n_tested", "参考人数", "测试人数", "参加人数", "number tested", "tested"),
    },
}

# Personal data recognised by header. Names are dropped; phone and ID numbers are hashed or dropped.
PII_HEADERS: dict[str, tuple[str, ...]] = {
    "phone": ("电话", "手机", "联系电话", "手机号", "手机号码", "电话号码", "联系方式电话", "phone", "mobile", "tel",
              "telephone", "phone number", "mobile number", "contact number", "reporter phone"),
    "id_card": ("身份证", "身份证号", "身份证号码", "公民身份号码", "id card", "id card number", "idcard",
                "id number", "national id"),
    "name": ("姓名", "名字", "受访者姓名", "报警人", "报案人", "报警人姓名", "报案人姓名", "联系人", "name",
             "full name", "respondent name", "reporter name", "caller name", "first name", "last name",
             "surname", "given name"),
}
# Chinese fragments that mark a personal column wherever they appear in the header.
PII_HEADER_FRAGMENTS = {"phone": ("电话", "手机"), "id_card": ("身份证",), "name": ("姓名",)}

YES_NO_MAP = {
    "1": "1", "0": "0", "yes": "1", "no": "0", "y": "1", "n": "0", "true": "1", "false": "0",
    "是": "1", "否": "0", "有": "1", "没有": "0", "认识": "1", "不认识": "0", "知道": "1", "不知道": "0",
    "见过": "1", "没见过": "0",
}
DONT_KNOW_WORDS = ("9", "说不清", "不清楚", "don't know", "dont know", "dk", "拒答", "refused", "不知道")
FIVE_POINT_WORDS = {
    "satisfaction": {"非常满意": "5", "很满意": "5", "满意": "4", "比较满意": "4", "一般": "3", "不太满意": "2",
                     "不满意": "2", "非常不满意": "1", "very satisfied": "5", "satisfied": "4", "neutral": "3",
                     "neither": "3", "dissatisfied": "2", "very dissatisfied": "1"},
    "safety": {"非常安全": "5", "很安全": "5", "安全": "4", "比较安全": "4", "一般": "3", "不太安全": "2",
               "不安全": "2", "非常不安全": "1", "very safe": "5", "safe": "4", "neutral": "3", "unsafe": "2",
               "very unsafe": "1"},
    "trust": {"非常信任": "5", "很信任": "5", "信任": "4", "比较信任": "4", "一般": "3", "不太信任": "2",
              "不信任": "2", "非常不信任": "1", "trust completely": "5", "trust": "4", "neutral": "3",
              "distrust": "2", "distrust completely": "1"},
}
# Which five-point word list an item's codes use, recognised from the label of its top code.
FIVE_POINT_BY_TOP_LABEL = {"非常满意": "satisfaction", "非常安全": "safety", "非常信任": "trust"}
SEX_WORDS = {"male": "男", "female": "女", "m": "男", "f": "女", "男性": "男", "女性": "女"}

# Default value maps of the canonical (non-item) fields that take a fixed set of values.
FIELD_VALUE_MAPS: dict[str, dict[str, str]] = {
    "mode": {"电话": "phone", "电话调查": "phone", "电话访问": "phone", "telephone": "phone", "cati": "phone",
             "tel": "phone",
             "面访": "face_to_face", "入户": "face_to_face", "入户调查": "face_to_face", "当面": "face_to_face",
             "拦截访问": "face_to_face", "face to face": "face_to_face", "face-to-face": "face_to_face",
             "f2f": "face_to_face", "capi": "face_to_face", "papi": "face_to_face", "in person": "face_to_face",
             "短信": "sms", "text": "sms", "text message": "sms",
             "网络": "online", "网上": "online", "线上": "online", "微信": "online", "网络问卷": "online",
             "在线": "online", "web": "online", "cawi": "online", "internet": "online",
             "邮寄": "mail", "信函": "mail", "邮件问卷": "mail", "纸质邮寄": "mail", "post": "mail",
             "postal": "mail", "paper": "mail",
             "ivr": "ivr", "语音": "ivr", "自动语音": "ivr", "自动外呼": "ivr", "智能外呼": "ivr",
             "语音回访": "ivr", "automated call": "ivr", "robocall": "ivr",
             "扫码": "qr_code", "扫码评警": "qr_code", "二维码": "qr_code", "qr": "qr_code", "qr code": "qr_code",
             "qr-code": "qr_code"},
    "category": {"盗窃": "theft", "偷窃": "theft", "扒窃": "theft", "诈骗": "fraud", "电信诈骗": "fraud",
                 "电信网络诈骗": "fraud", "入室盗窃": "burglary", "入户盗窃": "burglary", "抢劫": "robbery",
                 "抢夺": "robbery", "伤害": "violence", "故意伤害": "violence", "殴打他人": "violence",
                 "打架斗殴": "violence", "毒品": "drugs", "吸毒": "drugs", "贩毒": "drugs",
                 "纠纷": "dispute", "矛盾纠纷": "dispute", "邻里纠纷": "dispute", "家庭纠纷": "dispute",
                 "民间纠纷": "dispute", "交通": "traffic", "交通事故": "traffic",
                 "求助": "help", "群众求助": "help", "信访": "petition", "信访件": "petition",
                 "隐患举报": "hazard", "隐患": "hazard", "安全隐患": "hazard", "其他": "other", "其它": "other",
                 "bicycle theft": "theft", "other theft": "theft", "theft from the person": "theft",
                 "shoplifting": "theft", "vehicle crime": "theft", "violence and sexual offences": "violence",
                 "public order": "other", "criminal damage and arson": "other", "anti-social behaviour": "other",
                 "possession of weapons": "other", "other crime": "other"},
    "status": {"待办": "open", "已答复": "answered", "已回复": "answered",
               "处理中": "open", "办理中": "open", "在办": "open", "未结案": "open", "已结案": "closed",
               "结案": "closed", "已办结": "closed", "办结": "closed"},
    "outcome": {"破案": "solved", "已破案": "solved", "侦破": "solved", "已侦破": "solved", "抓获": "solved",
                "调解成功": "mediated", "调解": "mediated", "调解结案": "mediated", "达成协议": "mediated",
                "达成调解协议": "mediated", "已调解": "mediated", "mediation agreed": "mediated",
                "调解不成": "mediation_failed", "调解失败": "mediation_failed", "未达成协议": "mediation_failed",
                "调解未成功": "mediation_failed", "未达成调解协议": "mediation_failed",
                "mediation failed": "mediation_failed", "no agreement": "mediation_failed",
                "移交": "referred", "移送": "referred", "转办": "referred", "移交其他部门": "referred",
                "未破": "unsolved", "未破案": "unsolved", "未侦破": "unsolved",
                "已答复": "answered", "答复": "answered", "已回复": "answered",
                "不予受理": "not_accepted", "不受理": "not_accepted", "不予立案": "not_accepted",
                "not accepted": "not_accepted", "rejected": "not_accepted",
                "撤案": "withdrawn", "撤销案件": "withdrawn", "撤回": "withdrawn", "撤诉": "withdrawn",
                "当事人撤回": "withdrawn", "withdrawn": "withdrawn", "cancelled": "withdrawn",
                "其他": "other", "其它": "other"},
    # A 1-5 callback score maps 5, 4 -> satisfied; 3 -> basically satisfied; 2, 1 -> dissatisfied.
    "callback_result": {"满意": "satisfied", "非常满意": "satisfied", "比较满意": "satisfied", "5": "satisfied",
                        "4": "satisfied", "基本满意": "basically_satisfied", "一般": "basically_satisfied",
                        "3": "basically_satisfied", "basically satisfied": "basically_satisfied",
                        "不满意": "dissatisfied", "不太满意": "dissatisfied", "非常不满意": "dissatisfied",
                        "2": "dissatisfied", "1": "dissatisfied"},
    "source": {"大走访": "visit", "走访": "visit", "入户走访": "visit", "排查": "screening",
               "矛盾纠纷排查": "screening", "110": "call_110", "110接警": "call_110", "接警": "call_110",
               "来所": "walk_in", "群众来访": "walk_in", "移交": "referral", "部门移交": "referral",
               "问卷": "survey", "调查问卷": "survey", "满意度调查": "survey", "回访": "callback",
               "电话回访": "callback", "其他": "other", "其它": "other"},
    "dispute_type": {"邻里纠纷": "neighbour", "邻里": "neighbour", "家庭纠纷": "family", "婚姻家庭": "family",
                     "家庭": "family", "劳资纠纷": "labour", "劳资": "labour", "欠薪": "labour",
                     "土地纠纷": "land", "征地拆迁": "land", "拆迁": "land", "土地": "land", "医疗纠纷": "medical",
                     "医患纠纷": "medical", "交通纠纷": "traffic", "交通事故纠纷": "traffic",
                     "物业纠纷": "property", "经济纠纷": "property", "其他": "other", "其它": "other"},
    "mediation_result": {"调解成功": "mediated", "化解": "mediated", "已化解": "mediated", "达成协议": "mediated",
                         "调解不成": "failed", "调解失败": "failed", "未化解": "failed", "调解中": "pending",
                         "正在调解": "pending", "移交": "referred", "移交司法所": "referred",
                         "转办": "referred"},
    "place_category": {"重点场所": "key_site", "重点部位": "key_site", "特种行业": "special_trade",
                       "旅馆业": "special_trade", "典当业": "special_trade", "道路交通": "traffic",
                       "交通": "traffic", "消防": "fire", "消防安全": "fire", "火灾": "fire",
                       "危险物品": "dangerous_goods", "危化品": "dangerous_goods", "危爆物品": "dangerous_goods",
                       "其他": "other", "其它": "other"},
    "severity": {"重大": "major", "重大隐患": "major", "一般": "general", "一般隐患": "general"},
    "channel": {"110": "call_110", "110非警务警情": "call_110", "110接警": "call_110",
                "12345": "hotline_12345", "12345热线": "hotline_12345", "市民热线": "hotline_12345",
                "信访": "petition", "来信": "petition", "接访": "visit", "来访": "visit", "局长接待日": "visit",
                "网上留言": "online", "网络留言": "online", "微信": "online", "留言": "online",
                "恳谈会": "forum", "警民恳谈会": "forum", "人大代表建议": "deputy", "政协委员提案": "deputy",
                "代表建议": "deputy", "其他": "other", "其它": "other"},
    "rectification_status": {"已整改": "rectified", "整改完成": "rectified", "未整改": "pending",
                             "整改中": "pending", "待整改": "pending"},
    "level": {"市": "city", "市局": "city", "区": "district", "分局": "district", "县": "district",
              "区县": "district", "派出所": "station", "所": "station",
              "社区": "community", "村": "community", "村委会": "community", "居委会": "community",
              "村居": "community", "社区/村": "community", "村/社区": "community", "行政村": "community",
              "自然村": "community", "警务区": "community", "警务室": "community", "社区警务室": "community",
              "社区警务区": "community", "village": "community", "neighbourhood": "community",
              "neighborhood": "community", "beat": "community"},
}
BOOL_MAP = {"1": "true", "0": "false", "是": "true", "否": "false", "yes": "true", "no": "false", "y": "true",
            "n": "false", "true": "true", "false": "false", "有": "true", "没有": "false", "成功": "true",
            "未成功": "false", "已征求": "true", "未征求": "false"}

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HEADER_DROP = re.compile(r"[\s_\-.:：/\\()（）\[\]【】?？*#\"'“”]+")


def norm_header(text: str) -> str:
    """Fold a header for synonym comparison: NFKC, lower case, no spaces or punctuation."""
    return _HEADER_DROP.sub("", unicodedata.normalize("NFKC", text).translate(_FULLWIDTH).lower())


def norm_value(text: str) -> str:
    """Fold a cell value the way the SQL macro ``jm_norm`` does (value-map keys are stored folded)."""
    folded = unicodedata.normalize("NFKC", text).translate(_FULLWIDTH).replace("\u3000", " ")
    folded = re.sub(r"\s+", " ", folded).strip().lower()
    return re.sub(r"^(-?\d+)\.0+$", r"\1", folded)


# Header words that carry no meaning for matching: function words, time windows and units. Bracketed text
# ("(last 3 months)", "（五级）") is dropped before tokens are taken, and so are tokens made only of digits.
_TOKEN_STOP = frozenset((
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "by", "with", "from", "per", "how", "what",
    "which", "do", "does", "did", "you", "your", "is", "are", "was", "were", "be", "have", "has", "ever", "any",
    "last", "past", "recent", "month", "week", "day", "year", "hour", "minute", "time",
    "pct", "percent", "yuan", "rmb", "kg", "km", "dd", "mm", "yyyy", "yy", "hh",
))
_BRACKETED = re.compile(r"[(（\[【<《][^)）\]】>》]*[)）\]】>》]")
_TOKEN = re.compile(r"[a-z0-9]+|[\u4e00-\u9fff]+")


def _stem(word: str) -> str:
    """A light English stem so that 'knows' meets 'know' and 'districts' meets 'district'."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def strip_brackets(text: str) -> str:
    """A header without its bracketed parts: 'Seen police patrol (last 3 months)' -> 'Seen police patrol '."""
    return _BRACKETED.sub(" ", unicodedata.normalize("NFKC", text).translate(_FULLWIDTH))


def header_tokens(text: str) -> frozenset[str]:
    """The meaningful words of a header: bracketed text, units, digits and function words dropped.

    English words are lower-cased and lightly stemmed; a run of Chinese characters is one token
    (Chinese headers are also matched by containment, see :func:`analytics.ingest.mapping.guess_target`).
    """
    words = _TOKEN.findall(strip_brackets(text).lower().replace("_", " "))
    return frozenset(_stem(w) for w in words
                     if not w.isdigit() and w not in _TOKEN_STOP and _stem(w) not in _TOKEN_STOP)


def targets_for(kind: str) -> tuple[str, ...]:
    """The canonical field names of ``kind`` plus its personal-key target, in documentation order."""
    extra = (PERSON_HASH[kind],) if kind in PERSON_HASH else ()
    return tuple(FIELDS[kind]) + extra
