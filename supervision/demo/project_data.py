"""Static reference data for ``manage.py seed_demo``: industries, parks, name fragments, demo users.

The names are invented but follow the patterns of Zhaoqing's real parks and
companies (see the articles in the design notes); no real enterprise is named.
"""

# The one password of every demo login. Demo data only: never seed a production database.
DEMO_PASSWORD = "zhaoqing-demo"

# Demo projects carry this code prefix, so a demo data set is recognisable (and removable)
# and its codes never collide with the REGION-YEAR-NUMBER codes assigned to real projects.
DEMO_CODE_PREFIX = "DEMO-"

# The industries of the demo's projects, by code. Most come with the migrations (the city's
# strategic industries, projects/migrations/0007_national_industries.py); the demo adds the
# traditional ones of its parks the articles do not name, each under its GB/T 4754 division:
# code, Chinese name, English name, division. "new-materials" is the code the test fixtures use too.
DEMO_INDUSTRIES = [
    ("new-materials", "新材料", "New materials", "C26"),
    ("metal-processing", "金属加工", "Metal processing", "C33"),
    ("building-materials", "绿色建材", "Green building materials", "C30"),
]

# Per ranked region: the login suffix (pinyin), the place word used in company names,
# how many demo projects it gets (uneven, as in reality), its parks, and the
# industries it attracts (weights by industry code).
REGIONS = {
    "441202": {
        "slug": "duanzhou",
        "place": "肇庆",
        "projects": 22,
        "parks": [
            ("端州区睦岗产业园", "Mugang Industrial Park, Duanzhou"),
            ("端州区城北电子信息产业园", "Chengbei Electronic Information Park, Duanzhou"),
        ],
        "industries": {
            "electronic-information": 5,
            "hydrogen-energy": 3,
            "biomedicine": 2,
            "food-beverage": 2,
        },
    },
    "441203": {
        "slug": "dinghu",
        "place": "肇庆",
        "projects": 28,
        "parks": [
            ("鼎湖区永安产业园", "Yong'an Industrial Park, Dinghu"),
            ("鼎湖区莲花新材料产业园", "Lianhua New Materials Park, Dinghu"),
        ],
        "industries": {"new-materials": 5, "food-beverage": 3, "biomedicine": 3, "intelligent-equipment": 2},
    },
    "441204": {
        "slug": "gaoyao",
        "place": "高要",
        "projects": 38,
        "parks": [
            ("高要区金利五金产业园", "Jinli Hardware Industrial Park, Gaoyao"),
            ("高要区白土新材料产业园", "Baitu New Materials Park, Gaoyao"),
            ("高要区南岸产业转移工业园", "Nan'an Industrial Transfer Park, Gaoyao"),
        ],
        "industries": {
            "metal-processing": 6,
            "building-materials": 3,
            "new-materials": 3,
            "intelligent-equipment": 2,
            "new-energy-vehicles": 1,
        },
    },
    "441223": {
        "slug": "guangning",
        "place": "广宁",
        "projects": 13,
        "parks": [("广宁县产业转移工业园", "Guangning Industrial Transfer Park")],
        "industries": {"building-materials": 4, "new-materials": 3, "food-beverage": 2},
    },
    "441224": {
        "slug": "huaiji",
        "place": "怀集",
        "projects": 14,
        "parks": [
            ("怀集县产业转移工业园", "Huaiji Industrial Transfer Park"),
            ("怀集县汶朗食品产业园", "Wenlang Food Industrial Park, Huaiji"),
        ],
        "industries": {"food-beverage": 4, "building-materials": 3, "metal-processing": 2},
    },
    "441225": {
        "slug": "fengkai",
        "place": "封开",
        "projects": 10,
        "parks": [("封开县江川工业园", "Jiangchuan Industrial Park, Fengkai")],
        "industries": {"building-materials": 4, "new-materials": 2, "food-beverage": 2},
    },
    "441226": {
        "slug": "deqing",
        "place": "德庆",
        "projects": 20,
        "parks": [
            ("德庆县工业园", "Deqing Industrial Park"),
            ("德庆县南药产业园", "Deqing Southern Medicine Industrial Park"),
        ],
        "industries": {"biomedicine": 5, "food-beverage": 4, "new-materials": 2, "metal-processing": 1},
    },
    "441284": {
        "slug": "sihui",
        "place": "四会",
        "projects": 40,
        "parks": [
            ("四会市电子信息产业园", "Sihui Electronic Information Industrial Park"),
            ("四会市龙甫汽车零部件产业园", "Longfu Auto Parts Industrial Park, Sihui"),
            ("四会市大沙再生金属产业园", "Dasha Recycled Metals Industrial Park, Sihui"),
        ],
        "industries": {
            "electronic-information": 5,
            "metal-processing": 4,
            "new-energy-vehicles": 3,
            "intelligent-equipment": 2,
        },
    },
    "441291": {
        "slug": "xinqu",
        "place": "肇庆",
        "projects": 20,
        "parks": [("肇庆新区高端装备产业园", "Zhaoqing New Area Advanced Equipment Park")],
        "industries": {"intelligent-equipment": 5, "electronic-information": 3, "hydrogen-energy": 2},
    },
    "441292": {
        "slug": "gaoxin",
        "place": "肇庆",
        "projects": 50,
        "parks": [
            ("肇庆高新区新能源汽车产业园", "Zhaoqing Hi-tech Zone New Energy Vehicle Industrial Park"),
            ("肇庆高新区电子信息产业园", "Zhaoqing Hi-tech Zone Electronic Information Park"),
            ("肇庆高新区新材料产业园", "Zhaoqing Hi-tech Zone New Materials Park"),
        ],
        "industries": {
            "new-energy-vehicles": 6,
            "electronic-information": 4,
            "new-materials": 3,
            "energy-storage": 3,
            "intelligent-equipment": 2,
        },
    },
    "441293": {
        "slug": "jijuqu",
        "place": "肇庆",
        "projects": 45,
        "parks": [
            ("肇庆大型产业集聚区金渡产业园", "Jindu Park, Zhaoqing Large Industrial Agglomeration Zone"),
            ("肇庆大型产业集聚区活道园区", "Huodao Park, Zhaoqing Large Industrial Agglomeration Zone"),
            (
                "肇庆大型产业集聚区新型储能产业园",
                "Energy Storage Park, Zhaoqing Large Industrial Agglomeration Zone",
            ),
        ],
        "industries": {
            "energy-storage": 6,
            "new-energy-vehicles": 5,
            "hydrogen-energy": 2,
            "intelligent-equipment": 2,
            "new-materials": 2,
        },
    },
}

# The parks an industry prefers, by a word in the park's name.
PARK_KEYWORDS = {
    "new-energy-vehicles": ("汽车",),
    "energy-storage": ("储能",),
    "electronic-information": ("电子",),
    "biomedicine": ("南药",),
    "food-beverage": ("食品",),
    "new-materials": ("新材料",),
    "metal-processing": ("五金", "金属"),
    "intelligent-equipment": ("装备",),
}

# Invented two-character brand words of company names.
BRANDS = (
    "鸿晟 瑞能 华拓 星源 恒昇 嘉鸿 骏达 金鼎 华钛 粤峰 宏耀 德瑞 泰丰 众合 汇能 铭科 锦程 凯越 "
    "昊天 朗峰 晶拓 辰光 正岳 博远 迅驰 凌云 兴粤 西江 鼎盛 高澜 裕隆 丰泽 华骏 信泰 永晟 佳禾 "
    "汇锦 中恒 星驰 精诚 宏图 新宇 远航 安泰 科瑞 天晟 华鑫 金域 旭日 展鹏 启明 盈峰 巨能 海川 "
    "荣昌 天禾 绿源 青松 翔宇 华晟 睿驰 聚能 奥新 粤华 端峰 星河 蓝海 华越 德润 鑫达 润泽 弘信"
).split()

# Per industry: the business words of a company name, and project product phrases
# ({n} is filled with a plausible yearly capacity).
INDUSTRY_WORDS = {
    "new-energy-vehicles": {
        "company": ("新能源科技", "汽车零部件", "汽车电子", "智能汽车科技", "动力科技"),
        "products": (
            "新能源汽车零部件生产基地",
            "年产{n}万套汽车电机电控",
            "一体化压铸车身结构件",
            "年产{n}万套汽车线束",
            "智能座舱电子产业化",
            "新能源汽车热管理系统",
            "汽车轻量化铝合金部件",
        ),
    },
    "energy-storage": {
        "company": ("储能科技", "新能源科技", "电池科技", "能源科技"),
        "products": (
            "年产{n}GWh储能电池",
            "储能系统集成生产基地",
            "锂电池正极材料",
            "储能变流器及电池管理系统",
            "钠离子电池产业化",
        ),
    },
    "electronic-information": {
        "company": ("电子科技", "半导体", "光电科技", "精密电子", "智能科技"),
        "products": (
            "高端印制电路板(PCB)",
            "年产{n}万平方米柔性线路板",
            "片式电子元器件",
            "新型显示模组",
            "功率半导体封装测试",
            "5G通信模块",
        ),
    },
    "hydrogen-energy": {
        "company": ("氢能科技", "氢能源", "燃料电池科技"),
        "products": (
            "氢燃料电池电堆生产",
            "制氢加氢一体化装备",
            "燃料电池膜电极",
            "氢能重卡动力系统",
        ),
    },
    "intelligent-equipment": {
        "company": ("智能装备", "精密机械", "机器人科技", "装备制造", "自动化科技"),
        "products": (
            "高端数控机床",
            "工业机器人及智能产线",
            "精密模具智能制造",
            "智能仓储物流装备",
            "年产{n}台套环保装备",
        ),
    },
    "biomedicine": {
        "company": ("生物医药", "制药", "南药科技", "健康产业", "生物科技"),
        "products": (
            "南药(巴戟天)精深加工",
            "中药饮片及配方颗粒",
            "生物制剂产业化",
            "医用耗材生产",
            "年产{n}吨中药提取物",
        ),
    },
    "food-beverage": {
        "company": ("食品", "饮料", "食品科技", "农业科技", "酒业"),
        "products": (
            "贡柑深加工",
            "年产{n}万吨饮料生产线",
            "预制菜中央厨房",
            "粮油食品加工",
            "休闲食品智能工厂",
            "裹蒸粽标准化生产",
        ),
    },
    "new-materials": {
        "company": ("新材料科技", "新材料", "化工科技", "高分子材料"),
        "products": (
            "年产{n}万吨高性能铝型材",
            "电子级化学品",
            "特种高分子材料",
            "松香深加工新材料",
            "碳纤维复合材料",
            "锂电隔膜",
        ),
    },
    "metal-processing": {
        "company": ("金属制品", "五金制品", "铝业", "不锈钢制品", "金属科技"),
        "products": (
            "年产{n}万吨再生铝",
            "五金制品智能制造",
            "不锈钢精密制品",
            "铜材精深加工",
            "铝合金门窗型材",
        ),
    },
    "building-materials": {
        "company": ("建材", "新型建材", "陶瓷", "装配式建筑科技", "石材"),
        "products": (
            "装配式建筑构件",
            "年产{n}万立方米绿色混凝土",
            "新型墙体材料",
            "高端岩板",
            "节能玻璃深加工",
        ),
    },
}

PROJECT_SUFFIXES = ("项目", "项目", "项目", "生产基地项目", "智能制造项目", "扩产项目", "二期项目")

# (reason a project went back a stage, the stage it was at)
REVERT_REASONS = {
    "land_supplied": "土地出让合同尚未签订,供地登记有误,撤回待补办",
    "started": "开工日期误填:当时仅为场地平整,尚未正式动工",
    "completed": "竣工验收资料不全,退回补充后重新登记",
    "in_production": "投产认定有误:设备仍在调试,尚未正式投产",
}

CANCEL_REASONS = (
    "企业投资计划调整,经双方协商终止合作",
    "企业资金链紧张,无法按协议约定开工,依约收回用地",
    "项目长期未动工,经县政府研究予以清退",
    "企业主动申请终止项目,已办结解约手续",
    "项目不符合园区产业准入要求,予以清退",
    "企业总部战略调整,项目转至其他地区",
)

ADVANCE_NOTES = {
    "land_supplied": ("完成土地挂牌出让", "签订国有建设用地使用权出让合同", "工业用地交付"),
    "started": ("举行动工仪式", "取得施工许可证并开工", "主体工程开工"),
    "completed": ("主体工程竣工验收", "厂房竣工", "完成竣工备案"),
    "in_production": ("设备安装调试完成,正式投产", "首条产线投产", "试产后正式投产"),
    "above_scale": ("纳入规模以上工业企业统计", "年主营业务收入超2000万元,上规入统"),
}
