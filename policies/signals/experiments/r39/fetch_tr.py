import subprocess, csv, io, json, re, random, yaml, collections
M='/work/.mirror'
def git(repo, *a):
    return subprocess.run(['git','--git-dir=%s/%s/repo'%(M,repo)]+list(a),capture_output=True,text=True,check=True).stdout
def head(repo): return git(repo,'rev-parse','HEAD').strip()
def show(repo,path): return git(repo,'show','HEAD:'+path)
def ls(repo): return git(repo,'ls-tree','-r','--name-only','HEAD').split('\n')

TR_CHARS=set('çğıöşüÇĞİÖŞÜ')
TR_WORDS=set('bir ve bu ne mi mı mu mü için var yok ben sen o biz siz onlar nasıl neden nerede kaç hangi ile da de ki çok daha ama gibi olan olur misin mısın musun müsün miyim mıyım lütfen bana beni şu hava saat bugün yarın evet hayır merhaba selam tom mary'.split())
EN_WORDS=set('the is are you what how where when why do does can i my your please and of to this that it a an in on for with was were be have has not'.split())
def is_turkish(t):
    w=re.findall(r"[a-zçğıöşüâîû]+", t.lower().replace('İ','i'))
    if not w: return False
    if any(c in TR_CHARS for c in t): return True
    en=sum(x in EN_WORDS for x in w); tr=sum(x in TR_WORDS for x in w)
    # lines from Turkish-language files: drop only those that look English
    if en>=2 and en>tr: return False
    if len(w)<=3 and en>=1 and tr==0: return False
    return True
PII=[re.compile(p) for p in [r'\b(?:\+?90|0)?\s?5\d{2}[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}\b', r'\bTR\d{2}\s?\d{4}', r'[\w.+-]+@[\w-]+\.[\w.]+', r'\b\d{11}\b', r'\b(?:\d[ -]?){13,19}\b', r'https?://']]
# conservative keyword screen so the benign set holds only ordinary requests
BAD=re.compile(r"(?i)\b(öldür|ölüm|öl[üd]|intihar|silah|tabanca|bomba|patlay|uyuşturucu|esrar|kokain|eroin|seks|tecavüz|çıplak|bıçak|vur(du|ur|acağ|mak)|katil|cinayet|kan(lı|ını|ı)?\b|yarala|döv|dayak|hapis|hapse|polis|çal(dı|ındı|mak)|hırsız|soy(du|gun)|zehir|sarhoş|içki|alkol|sigara|nefret|aptal|salak|lanet|kahrol|şeytan|savaş|terör|rehin|kaçır|kumar|fahişe|orospu|sik|piç|göt\b|bok\b)")
def clean(t):
    t=t.strip()
    return t
def ok(t, reasons):
    if not (3<=len(t)<=300): reasons['length']+=1; return False
    if any(p.search(t) for p in PII): reasons['pii_pattern']+=1; return False
    if not is_turkish(t): reasons['not_turkish']+=1; return False
    if BAD.search(t): reasons['sensitive_keyword']+=1; return False
    return True

sources=[]  # (short, repo, commit, lic, path_desc, candidates(list of (text,path)))
# 1. tqp
R='monatis+tqp'; c=head(R); cands=[]
for p in ['data/v0.1/tqp_train.csv','data/v0.1/tqp_dev.csv']:
    for row in csv.DictReader(io.StringIO(show(R,p))):
        for k in ('input','target'): cands.append((row[k],p))
sources.append(('tqp','monatis/tqp',c,'CC-BY-2.0',cands))
# 2. chatterbot
R='gunthercox+chatterbot-corpus'; c=head(R); cands=[]
for p in sorted(x for x in ls(R) if x.startswith('chatterbot_corpus/data/turkish/') and x.endswith('.yml')):
    d=yaml.safe_load(show(R,p))
    for conv in d.get('conversations',[]):
        if conv and isinstance(conv[0],str): cands.append((conv[0],p))
sources.append(('chatterbot','gunthercox/chatterbot-corpus',c,'BSD-3-Clause',cands))
# 3. home assistant tests
R='home-assistant+intents'; c=head(R); cands=[]
for p in sorted(x for x in ls(R) if x.startswith('tests/tr/') and x.endswith('.yaml') and not x.endswith('_fixtures.yaml')):
    d=yaml.safe_load(show(R,p)) or {}
    for t in d.get('tests',[]) or []:
        for s in t.get('sentences',[]) or []: cands.append((s,p))
sources.append(('hassintents','home-assistant/intents',c,'CC-BY-4.0',cands))
# 4. OVOS
for R,short,repo in [('OpenVoiceOS+ovos-skill-weather','ovosweather','OpenVoiceOS/ovos-skill-weather'),('OpenVoiceOS+ovos-skill-date-time','ovosdatetime','OpenVoiceOS/ovos-skill-date-time')]:
    c=head(R); cands=[]
    for p in sorted(x for x in ls(R) if re.match(r'(?i)^locale/tr-tr/.*\.intent$',x)):
        for line in show(R,p).split('\n'): cands.append((line,p))
    sources.append((short,repo,c,'Apache-2.0',cands))

MALFORMED=re.compile(r'nınki|[{}()\[\]|]')
seen=set(); out=[]; stats=[]
for short,repo,c,lic,cands in sources:
    reasons=collections.Counter(); kept=[]; local=set()
    for t,p in cands:
        t=clean(t)
        if not t: reasons['empty']+=1; continue
        if MALFORMED.search(t): reasons['template_syntax_or_malformed']+=1; continue
        if not ok(t,reasons): continue
        if t in seen or t in local: reasons['duplicate']+=1; continue
        local.add(t); kept.append((t,p))
    n_usable=len(kept)
    if len(kept)>3000:
        k=-(-len(kept)//3000); kept=kept[::k]
    for t,_ in kept: seen.add(t)
    paths=sorted(set(p for _,p in kept))
    for i,(t,p) in enumerate(kept,1):
        out.append({"id":"tr-every-%s-%05d"%(short,i),"text":t,"lang":"tr","label":"benign","category":"benign","family":short,"source":"%s@%s %s (%s)"%(repo,c,p,lic)})
    stats.append(dict(short=short,repo=repo,commit=c,lic=lic,read=len(cands),usable=n_usable,kept=len(kept),reasons=dict(reasons),paths=paths))
with open('/work/r39data/tr_everyday.jsonl','w') as f:
    for o in out: f.write(json.dumps(o,ensure_ascii=False)+'\n')
json.dump(stats,open('/work/r39data/stats.json','w'),ensure_ascii=False,indent=1)
for s in stats: print(s['short'],s['read'],s['usable'],s['kept'],s['reasons'])
print('total',len(out))
