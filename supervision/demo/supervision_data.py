"""Static reference data for the supervision part of ``manage.py seed_demo``.

Departments, officials' names, problem texts and service-log phrases. The people
are invented; the departments follow the names of a Guangdong county's bureaus.
"""

# (key, Chinese suffix, English suffix): the departments every ranked region has,
# named with the region's name in front (端州区 + 自然资源局).
UNIT_KINDS = [
    ("natural_resources", "自然资源局", "Natural Resources Bureau"),
    ("development_reform", "发展和改革局", "Development and Reform Bureau"),
    ("environment", "生态环境分局", "Ecology and Environment Sub-bureau"),
    ("power", "供电局", "Power Supply Bureau"),
    ("housing", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
    ("human_resources", "人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    ("investment", "投资促进局", "Investment Promotion Bureau"),
]

# (key, name, English name): city-level departments (no region); a problem a county
# cannot solve alone goes up to one of these.
CITY_UNITS = [
    ("natural_resources", "肇庆市自然资源局", "Zhaoqing Natural Resources Bureau"),
    ("development_reform", "肇庆市发展和改革局", "Zhaoqing Development and Reform Bureau"),
    ("environment", "肇庆市生态环境局", "Zhaoqing Ecology and Environment Bureau"),
    ("power", "广东电网肇庆供电局", "Zhaoqing Power Supply Bureau of Guangdong Power Grid"),
    ("financing", "肇庆市金融工作局", "Zhaoqing Financial Work Bureau"),
    ("investment", "肇庆市投资促进局", "Zhaoqing Investment Promotion Bureau"),
]

# Problem category -> unit keys able to handle it, the usual one first.
CATEGORY_UNITS = {
    "land_use": ("natural_resources",),
    "energy_use": ("development_reform", "power"),
    "environment": ("environment",),
    "financing": ("financing", "investment", "development_reform"),
    "employment": ("human_resources",),
    "approvals": ("housing", "development_reform", "natural_resources"),
    "utilities": ("power", "housing"),
    "other": ("investment", "development_reform"),
}

# How often each category comes up (land and approvals block most projects).
CATEGORY_WEIGHTS = {
    "land_use": 22,
    "approvals": 20,
    "utilities": 14,
    "environment": 10,
    "energy_use": 9,
    "financing": 9,
    "employment": 8,
    "other": 8,
}

# The title of a county leader, by the kind of region.
LEADER_TITLES = {
    "district": "副区长",
    "county": "副县长",
    "county_city": "副市长",
    "functional_zone": "管委会副主任",
}
CITY_LEADER_TITLE = "副市长"
CHIEF_OFFICER_TITLE = "首席服务官"
SPECIALIST_TITLE = "企业服务专员"

SURNAMES = (
    "陈 李 黄 张 梁 林 刘 吴 罗 何 郑 冯 谭 苏 麦 邓 周 叶 区 彭 欧阳 莫 关 卢 钟 伍 谢 严 潘 蔡".split()
)
GIVEN_NAMES = (
    "建华 志强 伟明 晓东 国栋 海燕 丽萍 振宇 卫东 永红 少华 嘉欣 俊杰 文辉 明亮 惠玲 锦添 "
    "子豪 耀辉 秀英 家豪 达明 浩然 雪梅 光荣 国强 世杰 玉婷 敏华 志刚 楚楠 可欣 晓峰 冠华"
).split()

# Per category: (problem description, how it was resolved).
PROBLEMS = {
    "land_use": [
        ("项目用地指标尚未落实，影响土地挂牌出让进度", "已协调市自然资源局调剂用地指标，完成组卷报批"),
        ("地块内有3户房屋未完成征收，无法净地交付", "镇街完成房屋征收补偿协议签订并清表，地块已净地交付"),
        ("二期扩建用地与村集体存在边界争议", "组织镇村两级现场勘界，签订边界确认书，争议化解"),
        ("不动产权证书办理资料不齐，迟迟未能发证", "指导企业补齐资料，实行容缺受理，已核发不动产权证书"),
        (
            "项目红线内有一段高压线需迁改，影响场地平整",
            "供电部门完成线路迁改方案并实施迁改，场地已具备施工条件",
        ),
    ],
    "energy_use": [
        ("项目节能审查未通过，年综合能耗超出区域控制指标", "优化工艺方案降低能耗，完成节能审查并取得批复"),
        ("企业申请的用能指标缺口约8000吨标准煤", "市发改局统筹调剂用能指标，缺口已解决"),
        ("光伏屋顶项目并网手续不清楚", "供电部门上门指导并网申请，已完成并网验收"),
    ],
    "environment": [
        ("环评审批时间长，影响项目开工计划", "提前介入开展环评预审，环评批复已下达"),
        ("项目排污总量指标未落实", "通过区域削减替代取得排污总量指标"),
        ("园区污水管网未接通，企业废水无法纳管", "园区污水支管完成接驳，企业废水已纳管排放"),
        ("危险废物贮存设施设计不符合规范，需整改", "指导企业修改设计并完成整改，通过现场核查"),
    ],
    "financing": [
        ("企业设备采购资金缺口约5000万元", "对接3家银行开展银企对接，已获批固定资产贷款"),
        ("企业申请技改贷款贴息，不清楚政策条件", "讲解技改贴息政策并协助申报，已列入贴息名单"),
        ("项目贷款因抵押物不足审批受阻", "引入政府性融资担保机构提供担保，贷款已发放"),
    ],
    "employment": [
        ("投产前需招聘一线操作工约300人，招工困难", "人社部门举办专场招聘会并对接职业院校，已招聘到位"),
        ("企业技术骨干子女入学需协调", "教育部门按人才政策安排入学，已落实学位"),
        ("员工宿舍不足，新招员工住宿无法保障", "协调园区人才公寓配租，已解决员工住宿"),
    ],
    "approvals": [
        ("施工许可证办理卡在施工图审查环节", "开通审批绿色通道，施工图审查合格并核发施工许可证"),
        ("建设工程规划许可证申报材料多次退回", "住建、自然资源部门联合上门指导，规划许可证已核发"),
        ("消防设计审查意见企业不认可，需沟通", "组织消防设计专家会商，优化方案后通过审查"),
        ("项目备案信息需变更，企业不熟悉流程", "指导企业在线完成备案变更"),
        ("竣工联合验收时间未能确定，影响投产", "协调各部门集中开展联合验收，已出具验收意见"),
    ],
    "utilities": [
        ("项目用电报装容量不足，专线尚未建设", "供电局开辟绿色通道，10千伏专线已建成送电"),
        ("厂区门口市政道路未修通，大型设备无法进场", "加快道路施工，临时便道已开通，市政道路完成铺装"),
        ("天然气管道未接入园区，影响生产线调试", "燃气公司完成管道接驳，已正常供气"),
        ("供水压力不足，影响消防验收", "自来水公司完成加压设施改造，供水压力达标"),
    ],
    "other": [
        ("企业反映周边村民阻工，施工无法正常进行", "镇街会同公安现场调处，施工秩序恢复"),
        ("项目享受的招商引资扶持资金尚未兑现", "财政部门按协议拨付第一期扶持资金"),
        ("企业高管子女入学及人才公寓需求", "落实人才公寓一套，子女入学已安排"),
    ],
}

VISIT_NOTES = (
    "逐个项目现场察看施工进度，听取企业困难诉求，现场交办问题并明确办结时限。",
    "督导项目落地情况，要求各责任单位对照倒排工期节点压实责任，确保按期完成。",
    "召开现场办公会，研究解决项目用地、报建和水电接入等问题。",
    "察看项目建设现场，强调要加快施工进度，力争早日竣工投产。",
    "项目落地督导日：听取项目进展汇报，对滞后项目提出整改要求。",
    "走访企业生产车间，了解投产后用工、融资情况，推动企业尽快上规入统。",
)

ASSIGN_NOTES = (
    "请责任单位按时限办结并反馈",
    "请牵头单位会同相关部门协调解决",
    "限期办结，逾期将予以通报",
    "",
)
VERIFY_NOTES = ("经现场核实，问题已解决，同意销号", "企业确认满意，予以销号", "")
REOPEN_REASONS = (
    "回访企业反映问题仍未彻底解决，退回重办",
    "现场核查发现整改不到位，重新交办",
    "企业对办理结果不满意，要求重新办理",
)
EXTENSION_REASONS = (
    "涉及多个部门会签，需延期办理",
    "需报市级部门审批，审批时限较长",
    "受连续降雨影响，现场施工无法按期完成",
    "企业补充资料时间较长，申请延期",
)
EXTENSION_APPROVE_NOTES = ("理由充分，同意延期", "同意延期，请抓紧推进")
EXTENSION_REJECT_NOTES = ("延期理由不充分，请按原时限办结", "不同意延期，请加大协调力度")

SERVICE_PLAN = (
    "挂点县领导每月到企业现场办公不少于1次；首席服务官牵头协调{focus}等问题；"
    "企业服务专员每周跟进一次，问题当天录入台账；力争{target}前投产。"
)
PLAN_FOCUS = (
    "用地报批、规划报建",
    "施工许可、水电接入",
    "环评审批、用能指标",
    "融资对接、招工用工",
    "竣工验收、投产达产",
)

# Per service kind: what was done (one is chosen at random).
SERVICE_LOGS = {
    "registration": (
        "协助企业办理营业执照及刻章、税务登记，一次办结",
        "指导企业通过一网通办完成设立登记",
        "上门服务，协助企业办理外资企业设立登记",
    ),
    "land_auction": (
        "协助企业参加国有建设用地使用权挂牌出让，成功摘牌",
        "指导企业准备竞买资料并缴纳竞买保证金",
        "协调签订国有建设用地使用权出让合同",
    ),
    "filing": (
        "协助企业在投资项目在线审批监管平台完成项目备案",
        "指导企业编制项目可行性研究报告并完成备案",
    ),
    "construction_permit": (
        "协助企业办理建设工程规划许可证",
        "协调施工图审查，帮助企业取得施工许可证",
        "组织审批部门联合会审，加快施工许可办理",
    ),
    "utilities": (
        "协调供电局办理临时用电报装",
        "协调自来水公司完成供水接驳",
        "协调供电局完成10千伏专线接入方案",
        "协调燃气公司完成天然气管道接入",
    ),
    "financing": (
        "组织银企对接会，为企业对接项目贷款",
        "协助企业申报技改资金补助",
        "对接政府性融资担保机构，为企业提供贷款担保",
    ),
    "recruitment": (
        "协助企业在人社部门发布招聘信息并组织专场招聘会",
        "对接职业院校，建立订单式人才培养合作",
        "协助企业申报一次性吸纳就业补贴",
    ),
    "other": (
        "走访企业了解生产经营情况，宣讲惠企政策",
        "协调解决企业员工子女入学问题",
        "协助企业申报高新技术企业认定",
    ),
}
