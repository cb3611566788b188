"""The grammar of a self-claim, in the ten probe languages: first-person identity frames, what ends
their scope, negation and contrast. Patterns run on a sentence whose names are masked by NAME.

Frames (each with an optional negation group `n…`):
- HEAD: "I am / I was / ich bin / je suis / soy / sono / sou / 我是"; the complement must look
  like an identity (a name, "a … model/assistant", "made by", "from") or nothing is claimed;
- DIRECT: "my name is / my developer is / I come from / call me / ich heiße / je m'appelle /
  me llamo / меня зовут / 我由 / 我来自 / 我的开发者是"; and "私は / 저는" (scope: the sentence);
- BACK: "X created me / X hat mich / OpenAI m'a créé / X me creó / X开发了我": the names before;
- AS: "As an AI model developed by X, I …", "Trained by X, I …", "作为X开发的模型，我…".
"""

from __future__ import annotations

import re

NAME = "\ue001"  # a name or vendor, masked
N = NAME
_I = re.IGNORECASE

_HEAD = [
    r"\bI\s*(?:am|'m|’m)(?P<n0>\s+not|\s+never|\s+no\s+longer|\s+neither)?\b",
    (r"\bI\s+(?:(?P<n1>wasn['’]t|haven['’]t\s+been|was\s+not|was\s+never|have\s+not\s+been|have\s+never\s+been)"
     r"|was|have\s+been|had\s+been)\b|\bI['’]ve\s+(?P<n2>not\s+|never\s+)?been\b"),
    r"\bich\s+(?:bin|war|wurde)(?P<n3>\s+(?:nicht|kein\w*|nie|niemals))?\b",
    (r"\bje\s+(?:(?P<n4>ne\s+suis\s+(?:pas|plus|point|jamais))|suis)\b|\bj['’]ai\s+été\b"
     r"|\bje\s+(?P<n5>n['’]ai\s+(?:pas|jamais)\s+été)\b"),
    r"\b(?:yo\s+)?(?P<n6>no\s+)?soy\b|\b(?P<n7>no\s+)?(?:fui|he\s+sido)\b",
    r"(?:^|[,;:!?¡¿]\s*|\bio\s+|\b(?:ciao|salve)[,!]?\s+)(?P<n8>non\s+)?sono\b(?!\s+stati\b)",
    r"\b(?:eu\s+)?(?P<n9>não\s+)?(?:sou|fui)\b",
    r"(?:^|(?<=[\s,]))я\s+(?P<n11>не\s+)?(?=[^\s—–-])",
    (r"我(?:其实|实际上|确实|不仅|不只|原本|本来|目前|现在|一直|主要|当然|依然|仍然|本身|就|也|便|乃|正|只|仅|则|还|都|可|仍)*"
     r"(?P<n10>并不|并非|不|非|绝不|从来不|从不|也不)?(?:是|叫做|叫|名叫|名为)"),
]
_DIRECT = [
    (r"\bI\s+(?P<d0>do\s+not\s+|don['’]t\s+|never\s+|did\s+not\s+|didn['’]t\s+)?(?:come|came|hail|originate|stem)"
     r"\s+from\b|\bI\s+(?P<d1>do\s+not\s+|don['’]t\s+)?belong\s+to\b|\bI\s+(?:run|operate)\s+on\b"),
    (r"\bmy\s+(?:[\w-]+\s+){0,2}?(?:name|developers?|creators?|makers?|authors?|builders?|designers?|trainers?"
     r"|parent\s+company|company|owners?|vendor|provider|origins?|base\s+model|underlying\s+model"
     r"|foundation\s+model|model|identity|team|engineers|programmers|father|mother|parents?)\s*(?:"
     r"(?P<d2>is\s+not|isn['’]t|are\s+not|aren['’]t|was\s+not|wasn['’]t)|is|are|was|were|:|=|comes?\s+from"
     r"|came\s+from|would\s+be)"),
    (r"\b(?:you\s+can\s+|please\s+|just\s+|simply\s+)?call\s+me\b|\b(?:refer\s+to|know|address)\s+me\s+as\b"
     r"|\bI\s+go\s+by\b|(?:^|(?<=[!.,:]\s))(?:hi|hello|hey)?[,!\s]*this\s+is\s+(?=" + N + r"+(?:\s*[,.!]|\s*$"
     r"|['’]s\s+(?:AI|assistant|model|chatbot|language)))|\bbrought\s+to\s+you\s+by\b"
     r"|\byou(?:['’]re|\s+are)\s+(?:currently\s+|now\s+)?(?:talking|chatting|speaking|interacting)\s+(?:to|with)\b"
     r"|\b(?:company|team|organi[sz]ation|lab|people|group)\s+(?:that|who|which)\s+(?:created|made|built|developed"
     r"|trained|designed)\s+me\s+(?:is|are|was|were)\b"
     r"|\b(?:company|team|organi[sz]ation|lab|people|group|minds?)\s+behind\s+me\s+(?:is|are|was|were)\b"),
    (r"\bich\s+hei(?:ß|ss)e(?P<d3>\s+nicht)?\b|\bmein\s+name\s+ist(?P<d4>\s+nicht)?\b"
     r"|\bich\s+(?:komme|stamme)(?P<d5>\s+nicht)?\s+(?:von|vom|aus)\b|\bich\s+basiere(?P<d6>\s+nicht)?\s+auf\b"
     r"|\bmein(?:e)?\s+(?:\w+\s+)?(?:entwickler|schöpfer|hersteller|ersteller|erschaffer|anbieter|urheber)\w*"
     r"\s+(?:ist|sind|war|waren)(?P<d7>\s+nicht)?\b|\bmich\s+(?:hat|haben)(?P<d8>\s+nicht)?\b"),
    (r"\bje\s+(?:(?P<d9>ne\s+m['’]appelle\s+pas)|m['’]appelle)\b|\bmon\s+nom\s+(?:(?P<d10>n['’]est\s+pas)|est)\b"
     r"|\bje\s+(?P<d11>ne\s+)?(?:viens|proviens)(?:\s+pas)?\s+d(?:e|['’]|u|es)\b"
     r"|\b(?:mon|ma|mes)\s+(?:\w+\s+)?(?:créat(?:eur|rice)s?|développeurs?|concepteurs?|fabricants?|éditeurs?)"
     r"\s+(?:est|sont)\b"),
    (r"\b(?P<d12>no\s+)?me\s+llamo\b|\bmi\s+nombre\s+(?P<d13>no\s+)?es\b|\b(?P<d14>no\s+)?(?:vengo|provengo)\s+de\b"
     r"|\bestoy\s+basad[oa]\s+en\b|\bmis?\s+(?:\w+\s+)?(?:creador|desarrollador|fabricante)(?:es|as|a)?"
     r"\s+(?:es|son|fue|fueron)\b"),
    r"\b(?P<d15>non\s+)?mi\s+chiamo\b|\bil\s+mio\s+nome\s+(?P<d16>non\s+)?è|\b(?P<d17>non\s+)?vengo\s+da\b",
    r"\b(?:me\s+chamo|chamo-me)\b|\bmeu\s+nome\s+(?P<d18>não\s+)?é|\b(?P<d19>não\s+)?venho\s+d[aoe]s?\b",
    (r"(?:^|(?<=[\s,]))я\s*(?P<d20>не\s+)?(?:[—–-]\s*|являюсь\b|есть\b|(?=" + N + r"))"
     r"|(?:^|(?<=[\s,]))я\s+(?P<d21>не\s+)?(?:был[аио]?\s+)?(?:создан|разработан|обучен|сделан|натренирован"
     r"|построен|основан)\w*|\bменя\s+зовут\b|\bменя\s+(?P<d22>не\s+)?(?:создал|разработал|обучил|сделал"
     r"|натренировал)[аи]?\b|\bмо(?:й|и|я)\s+(?:\w+\s+)?(?:разработчик|создател|автор)\w*"),
    r"(?:私|わたし|わたくし|僕|ぼく|当AI|本AI)(?:は|の名前は)|(?:私|わたし)を(?:開発|作成|訓練|作っ|作り)\w{0,4}?(?:のは)",
    r"(?:저는|전\s|나는|난\s|제\s*이름은|저의\s*이름은|내\s*이름은)|(?:저를|나를)\s*(?:개발한|만든|훈련시킨)\s*(?:곳은|회사는|것은)",
    (r"我(?:其实|实际上|确实|原本|本来|目前|现在|一直|主要|当然|本身|就|也|便|乃|正|只|仅|则|还|都|可|仍)*"
     r"(?P<d23>并不|并非|不|非|也不|没有|并没有)?(?:属于|来自|源自|基于|隶属于?|出自|是由|由|被)"
     r"|我的(?:名字|中文名|英文名|全名|称呼|开发者|开发团队|开发方|开发公司|研发团队|研发者|研发方|研发公司|创造者|创建者"
     r"|创作者|制造者|制造商|开发商|提供方|提供商|所属公司|母公司|背后的公司|团队|底层模型|基础模型|基座模型|模型|身份|来源|出身"
     r"|创始人|训练者)(?:其实|实际上|就|也|则|正|恰恰|确实)*(?P<d24>并不|并非|不|也不)?(?:是|叫|为|：|:)"
     r"|(?:开发|训练|创造|创建|研发|打造|构建|设计|制造|推出|制作)(?:了)?我的(?:是|公司是|团队是|机构是|人是)"
     r"|本(?:模型|助手|AI|人工智能|系统|机器人|程序)(?P<d25>并不|不)?(?:是|由|来自|基于)"),
]
_BACK = [
    (r"(?P<b0>(?:did\s+not|didn['’]t|never|not)\s+)?(?:created|built|developed|trained|designed|programmed"
     r"|engineered|fine-tuned|invented|coded|create|build|develop|train|design)\s+me\b"
     r"|\bmade\s+me(?=\s*(?:[.,;!?]|$|to\s+be\b|as\b|and\b|in\b))"
     r"|\b(?:is|are|was|were)\s+(?:the\s+)?(?:company|team|lab|organi[sz]ation|people|group|minds?)\s+behind\s+me\b"),
    (r"\b(?:hat|haben)\s+mich\b|\bm['’]ont?\s+(?:créée?|développée?|conçue?|entraînée?|formée?)\b"
     r"|\bme\s+(?:creó|crearon|desarrolló|desarrollaron|entrenó|entrenaron|diseñó|diseñaron|criou|criaram"
     r"|desenvolveu|desenvolveram|treinou|treinaram)\b|\bmi\s+(?:ha|hanno)\s+(?:creat|svilupp|addestrat|progettat)[oa]\b"
     r"|\b(?:создал|разработал|обучил|сделал)[аи]?\s+меня\b"),
    r"(?P<b1>没有|并没有|不是|并非)?(?:开发|训练|创造|创建|研发|打造|构建|设计|制造|推出)了?我(?![们的])",
]
_AS = [
    r"(?:^|[,;:]\s*)as\s+(?P<np>[^,.;:]{1,80}?)\s*,\s*(?=I\b|I['’]|my\b|me\b)",
    r"(?:^|[,;:]\s*)as\s+(?P<np>an?\s+[^,.;:]{1,60}?(?:by|from)\s+\ue001+)\s+(?-i:I)\b(?=\s+(?:\w+n['’]t|do|am|can|cannot|have|must|will|would|should)\b)",
    (r"^\s*(?:proudly\s+)?(?:developed|created|trained|built|made|designed|powered)\s+(?:by|on)\s+"
     r"(?P<np>[^,.;:]{1,80}?)\s*,\s*(?=I\b|I['’]|my\b)"),
    r"(?:^|[,;:]\s*)als\s+(?P<np>[^,.;:]{1,80}?)\s*,?\s+(?:\w+\s+)?ich\b",
    r"\ben\s+tant\s+qu(?:e\s+|['’])(?P<np>[^,.;:]{1,80}?)\s*,\s*(?:je|j['’])",
    r"(?:^|[,;:]\s*)(?:como|come|in\s+quanto)\s+(?P<np>[^,.;:]{1,80}?)\s*,",
    r"(?:^|[,;:]\s*)как\s+(?P<np>[^,.;:]{1,80}?)\s*,\s*я\b",
    r"作为(?P<np>[^，,。；;：:]{1,40})[，,]\s*我",
]


def _alternation(parts: list[str]) -> re.Pattern:
    """One case-insensitive regex of alternatives."""
    return re.compile("|".join(f"(?:{p})" for p in parts), _I)


HEAD, DIRECT, BACK = (_alternation(x) for x in (_HEAD, _DIRECT, _BACK))
AS = tuple(re.compile(p, _I) for p in _AS)  # each with its own `np` group

# what an identity complement may start with, after HEAD (adverbs first)
ADVERBS = re.compile(
    r"(?:\s*,?\s*(?:also|actually|really|just|simply|indeed|in\s+fact|originally|initially|officially|currently|now"
    r"|essentially|basically|technically|proudly|still|definitely|certainly|truly|here|called|named|known\s+as"
    r"|referred\s+to\s+as|stat[oa]|auch|eigentlich|tatsächlich|nur|en\s+fait|vraiment|en\s+realidad|realmente"
    r"|de\s+hecho|in\s+realtà|davvero|na\s+verdade|de\s+fato|именно|действительно|conocid[oa]\s+como"
    r"|conhecid[oa]\s+como|not[oa]\s+come|connue?\s+sous\s+le\s+nom\s+de|bekannt\s+als|известн\w*\s+как)\b)*\s*", _I)
_DET = (r"a|an|the|your|one|this|un|une|le|la|el|una|uno|il|lo|o|um|uma|ein|eine|einen|der|die|das|dein"
        r"|ihr|ihre|votre|ton|tu|su|seu|sua|il\s+tuo|il\s+suo")
HEAD_NAME = re.compile(rf"(?:(?:{_DET})\s+|l['’]|[\w-]+['’]s\s+|{N}+['’]s?\s+|(?:latest|new|newest|official|original"
                       rf"|friendly|helpful|famous|popular|so-called|own)\s+){{0,3}}{N}", _I)
HEAD_PP = re.compile(
    r"(?:made|created|developed|trained|built|designed|engineered|programmed|produced|fine-?tuned|released"
    r"|launched|powered|owned|maintained|operated|run|running|hosted|provided|brought|distilled|derived"
    r"|modell?ed|based|founded|licensed|offered|deployed|backed|crafted|coded|invented|pre-?trained"
    r"|instruction-tuned|adapted|customi[sz]ed|from|by|part\s+of|a\s+part\s+of|a\s+product\s+of"
    r"|(?:the\s+)?(?:work|product|creation|brainchild|handiwork)\s+of"
    r"|a\s+creation\s+of|affiliated\s+with|associated\s+with|entwickelt|erstellt|trainiert|gebaut|programmiert"
    r"|erschaffen|geschaffen|konzipiert|hergestellt|basiert|von|vom|aus|teil|créée?s?|développée?s?|conçue?s?"
    r"|entraînée?s?|formée?s?|basée?s?|programmée?s?|fabriquée?s?|issue?s?|de|d['’]|du|par|cread[oa]s?"
    r"|desarrollad[oa]s?|entrenad[oa]s?|diseñad[oa]s?|construid[oa]s?|programad[oa]s?|hech[oa]|basad[oa]"
    r"|por|parte|creat[oa]|sviluppat[oa]|addestrat[oa]|progettat[oa]|basat[oa]|costruit[oa]|da|dal|dalla"
    r"|criad[oa]|desenvolvid[oa]|treinad[oa]|projetad[oa]|construíd[oa]|feit[oa]|baseado|baseada|pel[oa]"
    r"|del|della)\b", _I)
HEAD_DET = re.compile(rf"(?:(?:{_DET})\s+|l['’]|one\s+of\s+(?:the\s+)?)", _I)
NP_STOP = re.compile(
    r"[,;:()]|\s(?:by|from|of|at|in|on|with|for|that|which|who|whose|de|d['’]|du|par|por|pel[oa]|da|dal|von|vom"
    r"|aus|que|qui|che|der|die|das|который|которая|которое|made|created|developed|trained|built|designed|and)\b"
    r"|\s\w+ing\b", _I)
AI_NOUN = re.compile(
    r"(?<![a-z])(?:ai|ki|ia|ии)(?![a-z])|\ba\.i\.|人工智能|助手|模型|机器人|聊天|assistant|\bmodel|\bllm|chat\s?bot|\bbot\b|\bsystem|\bprogram|software|\bagent|\bversion"
    r"|variant|iteration|instance|\brelease|edition|product|creation|successor|derivative|fine-?tune|incarnation"
    r"|application|\bapp\b|service|intelligence|machine|neural|assistent|modell|programm|variante"
    r"|produkt|\bia\b|modèle|système|logiciel|produit|asistente|modelo|sistema|programa|versión|producto"
    r"|inteligencia|modello|programma|versione|prodotto|intelligenza|versão|produto|inteligência|ассистент"
    r"|помощник|модел|бот|систем|программ|верси|продукт|интеллект" + f"|{N}", _I)
ZH_HEAD = re.compile(rf"{N}|由|基于|来自|属于|被|[^，,。]{{0,8}}的{N}|[^，,。]{{0,15}}?(?:AI|人工智能|助手|模型|机器人"
                     r"|程序|系统|产品|版本|智能体|聊天)", _I)

# what ends a frame's scope: a new clause, a condition, a thing that the next names belong to
BREAK = re.compile(
    r"[;:；：]|\b(?:however|although|though|whereas|while|if|because|since|unless|whether|when|so\s+that"
    r"|which\s+means|meaning)\b"
    r"|,?\s*\b(?:and|or|so|yet|plus)\s+(?:I|you|we|it|they|he|she|this|these|those|there|its|their|his|her|your"
    r"|our|one)\b|,\s*(?:I|you|we|it|they|he|she|this|these|those|there)\b(?!['’]s)"
    rf"|\band\s+{N}+\s+(?:is|are|was|were|has|have|had|makes|made|created|develops|developed|offers|provides"
    r"|releases|released|also)\b"
    r"|\b(?:transformers?|architecture|paper|research|techniques?|technolog\w*|methods?|frameworks?|librar\w*"
    r"|packages?|apis?|platforms?|datasets?|data|polic\w*|guidelines|hardware|chips?|gpus?|tpus?|infrastructure"
    r")\b(?=[\s,]*(?:which|that|who|invented|introduced|proposed|created|developed|published|released|designed"
    rf"|made|pioneered|first|originally|from|by|of|owned|provided|offered|\(|{N}))"
    r"|\b(?:jedoch|obwohl|während|weil|wenn|falls)\b|,?\s*\bund\s+(?:ich|es|sie|er|das|die|der|wir|du)\b"
    r"|\b(?:cependant|bien\s+que|alors\s+que|tandis\s+que|parce\s+que|si|lorsque|quand)\b"
    r"|,?\s*\bet\s+(?:je|il|elle|c['’]|ce|cela|ils|elles|nous|vous|on)\b"
    r"|\b(?:aunque|mientras|porque|cuando)\b|,?\s*\by\s+(?:yo|él|ella|eso|esto|ellos|ellas|nosotros|usted)\b"
    r"|\b(?:sebbene|perché|embora|enquanto)\b"
    r"|,?\s*\be\s+(?:io|lui|lei|esso|questo|loro|noi|eu|ele|ela|isso|isto|eles|elas|nós)\b"
    r"|(?:^|(?<=\s))(?:однако|хотя|пока|потому|если|когда)(?=\s|$)|,?\s*\bи\s+(?:я|он|она|оно|это|они|мы)\b"
    r"|虽然|尽管|因为|如果|即使|另外|此外|[，,]\s*(?:这|那|它|他|她|该|此|其|这些|那些|他们|它们|您|你|用户|人们|而且|同时)"
    r"|(?:架构|技术|论文|框架|数据集?|方法|算法|平台|接口|政策|规定|芯片)(?=[，,]|由|是由|提出|所|在)"
    r"|しかし|けれど|하지만|그러나", _I)
# names after these play another role (comparison, example, topic) until the scope re-attaches
OTHER_ROLE = re.compile(
    r"\b(?:unlike|like|similar|such\s+as|including|includes?|compar\w*|versus|vs\.?|than|about|explain\w*"
    r"|discuss\w*|describ\w*|answer\w*|questions?|topics?|help|helps|helping|tell|talk\w*|learn\w*|recommend\w*"
    r"|suggest\w*|use|uses|using|integrat\w*|access\w*|search\w*"
    r"|regarding|concerning|alongside|as\s+well\s+as|except|besides|apart\s+from|inspired|resembl\w*"
    r"|alternatives?|competitors?|rivals?|others?|another|wie|ähnlich|im\s+gegensatz|anders\s+als"
    r"|einschließlich|darunter|zum\s+beispiel|etwa|über|bezüglich|andere\w*|sowie|als|comme|contrairement"
    r"|semblable|similaire|tel(?:le)?s?\s+que|y\s+compris|notamment|par\s+rapport|autres?|à\s+propos|au\s+sujet"
    r"|concernant|quant|como|a\s+diferencia|similar\w*|parecid\w*|tal(?:es)?\s+como|incluyendo|incluid\w*"
    r"|comparad\w*|otros?|otras?|sobre|acerca|come|a\s+differenza|simil\w*|tra\s+cui|inclus\w*|rispetto|altri"
    r"|altre|riguardo|ao\s+contrário|diferente|semelhante|incluindo)\b"
    r"|(?:^|(?<=\s))(?:как|подобно|в\s+отличие|похож\w*|например|включая|по\s+сравнению|чем|други\w*|о|об|про)(?=\s|$)"
    r"|像|类似|比如|例如|譬如|包括|如同|诸如|以及其他|和其他|与其他|相比|不同于|比起|关于|有关|对于|至于|竞争|对手|替代"
    r"|と違って|とは異なり|のような|のように|など|と比べ|(?<!に)より|について|に関して|に似た|とは別"
    r"|처럼|와\s*달리|과\s*달리|같은|등(?=[\s,.]|$)|보다|에\s*대해|와\s*비슷|과\s*비슷", _I)
REATTACH = re.compile(
    r"[,，]\s*(?:and\s+)?(?:(?:trained|made|created|developed|built|designed|powered|brought|released|owned"
    r"|a|an|entwickelt|trainiert|un|une|développée?|créée?|conçue?|entraînée?|creado|desarrollado|entrenado"
    r"|creato|sviluppato|addestrato|criado|desenvolvido|treinado|созданн\w*|разработанн\w*|обученн\w*)\b"
    r"|由|是由|并由|而由)", _I)
CONTRAST = re.compile(
    r"\b(?:but|rather|instead|sondern|vielmehr|aber|mais|plutôt|sino|pero|bensì|ma|piuttosto|mas|senão"
    r"|e\s+sim|а|но)\b|而是|但是|但|却|只是|乃是|ではなく|じゃなく|(?:가|이)\s*아니라|(?:가|이)\s*아니고", _I)
# a contrast word that only breaks a positive frame
CONTRAST_BREAK = re.compile(r"\b(?:but|aber|jedoch|mais|pero|ma|però|mas|но)\b|但是|但|不过|然而|可是|でも|ですが", _I)
LOCAL_NEG = re.compile(
    r"\b(?:not|never|nor|neither|no|rather\s+than|instead\s+of|other\s+than|as\s+opposed\s+to|no\s+longer"
    r"|nothing\s+to\s+do\s+with|nicht|kein\w*|weder|noch|statt|anstatt|pas|non|ni|jamais|plutôt\s+que"
    r"|au\s+lieu\s+de|nunca|en\s+lugar\s+de|en\s+vez\s+de|não|nem|invece\s+di|anziché|не|ни)\b"
    r"|而非|而不是|不是|并非|并不是|也不是|没有|不由|非(?!常)", _I)
CHUNK = re.compile(r"[,，、;；]|\b(?:and|und|et|y|e|и)\b|和|以及", _I)
POST_NEG = re.compile(
    rf"^[^{N}]{{0,12}}?(?:では|じゃ)(?:ありません|ない|なく|ございません)|^[^{N}]{{0,6}}?(?:이|가)?\s*(?:아닙니다|아니에요"
    r"|아니다|아니라|아닌|아니고)|^\s*(?:的)?(?:无关|没有关系|没有任何关系|无任何关系|不同|不一样|一样|类似|相似|相比|之类"
    r"|等(?:公司|模型|企业|机构|等)?|では(?:なく|ありません)|的?(?:竞争对手|对手|替代品|同类|政策|规定|库|接口|平台|云服务"
    r"|论文|研究|数据|芯片|服务器|搜索|地图|产品|服务|框架|技术))"
    r"|^(?:['’]s)?\s+(?:transformers|library|libraries|api|apis|sdk|polic(?:y|ies)|guidelines|rules|restrictions"
    r"|constraints|filters|censorship|terms|cloud|platforms?|tpus?|gpus?|hardware|infrastructure|servers?"
    r"|datasets?|data|research|papers?|blog|website|search|maps|docs|documentation|frameworks?|tools?"
    r"|products?|services?|ecosystem|competitors?|rivals?)\b", _I)
COMPARE_SPAN = re.compile(r"(?:和|与|跟|同)[^，,。；]{0,30}?(?:类似|相似|一样|相同|不同|不一样|相比|比较|差不多|竞争)")
JA_KO_NEG = re.compile(r"(?:では|じゃ)(?:ありません|ない|なく|ございません)|아닙니다|아니에요|아니다|(?:가|이)\s*아니(?:라|고)")
NONE_OTHER = re.compile(r"\b(?:none|no\s+one|nobody|no)\s+other\s+than\b", _I)
REPORTED = re.compile(
    r"(?:\b(?:you|he|she|they|people|users?|someone|somebody|many|some|others|one|it)\s+(?:\w+\s+){0,2}?"
    r"(?:think|thinks|thought|believe|believes|believed|assume|assumes|assumed|say|says|said|claim|claims"
    r"|claimed|suggest|suggests|mistake|mistakes|confuse|confuses|imagine|suspect|suspects|wonder|ask|asks"
    r"|asked)\s+(?:me\s+)?(?:that\s+|if\s+|whether\s+)?"
    r"|\b(?:if|whether|as\s+if|as\s+though|pretend(?:ing)?(?:\s+that)?|imagine|suppose|assuming|hypothetically"
    r"|say\s+that|saying\s+that|to\s+say\s+(?:that\s+)?|to\s+claim\s+(?:that\s+)?|wrongly|falsely|mistakenly"
    r"|rumou?rs?\s+(?:that\s+)?|not\s+true\s+that|untrue\s+that|false\s+that|wenn|falls|ob|si|se|если|なら|もし)\s*"
    r"|(?:你|您|他|她|他们|有人|用户|很多人|人们)(?:可能|也许|会|常|都)*(?:以为|认为|觉得|说|猜|怀疑|误以为)"
    r"|如果|假如|假设|要是|假装|以为|误认为|误以为)$", _I)
RELATIVE = re.compile(r",?\s*\b(?:which|who|whose|that|der|die|das|qui|que|che|который|которая|которое)\b", _I)
BARE_LEAD = re.compile(r"^\s*(?:(?:yes|sure|of\s+course|是的|是|对|はい|네|oui|sí|sim|ja|да)[\s,，!！.。:：]*)?"
                       + N, _I)
