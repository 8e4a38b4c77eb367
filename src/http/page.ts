/**
 * The dashboard page served at / : one self-contained HTML document that
 * polls /api/topology every second and draws the topology reachable from
 * this node (master chain and replicas, recursively): role, replid,
 * offsets, lag in bytes and seconds, link status, a full sync's progress,
 * the backlog window, ops/s and memory sparklines, keys per db and the last
 * replication log lines. Cards carry data-node/data-role, fields
 * data-field, replica rows data-replica/-state/-offset/-lag-bytes/
 * -lag-seconds (the headless-browser test reads them).
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tredis replication</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:16px;background:#f6f7f9;color:#222}
h1{font-size:18px;margin:0 0 12px}
#status{color:#666;font-size:12px;margin-bottom:12px}
.tree{display:flex;flex-direction:column;gap:8px}
.children{margin-left:36px;border-left:2px solid #ccd;padding-left:12px;display:flex;flex-direction:column;gap:8px}
.node{background:#fff;border:1px solid #dde;border-radius:6px;padding:10px 12px;max-width:900px}
.node.self{border-color:#4a7;box-shadow:0 0 0 2px #cfe8d8}
.node.down{background:#fdeaea;border-color:#e99}
.head{display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
.role{font-weight:600;text-transform:uppercase;font-size:11px;padding:1px 6px;border-radius:3px;background:#e3e8f5}
.role.master{background:#ffe7b8}
.id{font-weight:600;font-family:monospace}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:2px 16px;margin-top:6px;font-size:13px}
.k{color:#666}
.v{font-family:monospace}
.bad{color:#c22;font-weight:600}
.good{color:#282}
.bar{height:8px;background:#eee;border-radius:4px;overflow:hidden;margin-top:4px;max-width:400px}
.bar>div{height:100%;background:#48c}
svg.spark{vertical-align:middle}
table.replicas th,table.replicas td{padding:1px 8px}
table.replicas th{font-weight:600;color:#555}
#events{font-family:monospace;font-size:12px;background:#fff;border:1px solid #dde;padding:8px;max-width:900px;white-space:pre-wrap;max-height:260px;overflow:auto}
</style>
</head>
<body>
<h1>tredis replication <span id="self"></span></h1>
<div id="status">loading…</div>
<div class="tree" id="tree"></div>
<h2 style="font-size:15px">Replication log (this node)</h2>
<div id="events"></div>
<script>
"use strict";
const hist = new Map();
function esc(s){return String(s).replace(/[&<>"]/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;","\\"":"&quot;"}[c]));}
function human(n){if(n===undefined||n===null)return "-";const u=["B","K","M","G","T"];let i=0;while(n>=1024&&i<u.length-1){n/=1024;i++;}return (i?n.toFixed(2):String(n))+u[i];}
function spark(vals){if(vals.length<2)return "";const w=120,h=22,max=Math.max(...vals,1),min=Math.min(...vals,0);const pts=vals.map((v,i)=>(i*w/(vals.length-1)).toFixed(1)+","+(h-(v-min)*h/((max-min)||1)).toFixed(1)).join(" ");return '<svg class="spark" width="'+w+'" height="'+h+'"><polyline fill="none" stroke="#48c" stroke-width="1.5" points="'+pts+'"/></svg>';}
function kv(k,v,cls){return '<div><span class="k">'+esc(k)+':</span> <span class="v '+(cls||"")+'" data-field="'+esc(k)+'">'+v+'</span></div>';}
function card(n,self,byId){
  if(!n.up)return '<div class="node down" data-node="'+esc(n.id)+'"><div class="head"><span class="id">'+esc(n.id)+'</span><span class="bad">unreachable: '+esc(n.error||"")+'</span></div></div>';
  const h=hist.get(n.id)||{ops:[],mem:[]};
  let g="";
  g+=kv("replid",esc((n.replid||"").slice(0,12))+"…");
  g+=kv("master_repl_offset",n.masterReplOffset);
  if(n.role==="slave"){
    g+=kv("master",esc(n.master));
    g+=kv("link",esc(n.masterLinkStatus),n.masterLinkStatus==="up"?"good":"bad");
    g+=kv("slave_repl_offset",n.slaveReplOffset);
    const m=byId.get(n.master);
    if(m&&m.up){const lag=Math.max(0,(m.masterReplOffset||0)-(n.slaveReplOffset||0));g+=kv("lag (bytes)",lag,lag>0?"bad":"good");}
    g+=kv("last io (s)",n.masterLastIoSecondsAgo);
  }
  const b=n.backlog||{};
  g+=kv("backlog",b.active?(b.firstByteOffset+" … "+(b.firstByteOffset+b.histlen-1)+" ("+human(b.histlen)+" of "+human(b.size)+")"):"inactive");
  g+=kv("ops/s",n.opsPerSec+" "+spark(h.ops));
  g+=kv("memory",human(n.usedMemory)+" "+spark(h.mem));
  g+=kv("keys",Object.entries(n.keys||{}).map(([d,k])=>d+"="+k).join(" ")||"0");
  g+=kv("clients",n.connectedClients);
  let reps="";
  if((n.replicas||[]).length){
    reps='<div style="margin-top:6px;font-size:13px"><span class="k">replicas:</span><table class="replicas" style="border-collapse:collapse;font-family:monospace;font-size:12px"><tr><th align=left>replica</th><th>state</th><th>offset</th><th>lag bytes</th><th>lag s</th></tr>'+
      n.replicas.map(r=>'<tr data-replica="'+esc(r.id)+'" data-state="'+esc(r.state)+'" data-offset="'+esc(r.offset)+'" data-lag-bytes="'+esc(r.lagBytes)+'" data-lag-seconds="'+esc(r.lagSeconds)+'"><td>'+esc(r.id)+'</td><td class="'+(r.state==="online"?"good":"bad")+'">'+esc(r.state)+'</td><td align=right>'+r.offset+'</td><td align=right class="'+(r.lagBytes>0?"bad":"")+'">'+r.lagBytes+'</td><td align=right>'+r.lagSeconds+'</td></tr>').join("")+"</table></div>";
  }
  let sync="";
  if(n.sync&&n.sync.inProgress){sync='<div class="sync">full sync in progress: '+human(n.sync.readBytes)+" of "+human(n.sync.totalBytes)+" ("+n.sync.perc.toFixed(2)+'%)<div class="bar"><div style="width:'+Math.min(100,n.sync.perc)+'%"></div></div></div>';}
  return '<div class="node'+(self?" self":"")+'" data-node="'+esc(n.id)+'" data-role="'+esc(n.role)+'"><div class="head"><span class="role '+esc(n.role)+'">'+esc(n.role)+'</span><span class="id">'+esc(n.id)+'</span>'+(self?'<span class="k">(this node)</span>':"")+'<span class="k">'+(n.tredisVersion?"tredis "+esc(n.tredisVersion):"redis "+esc(n.redisVersion))+'</span></div><div class="grid">'+g+"</div>"+sync+reps+"</div>";
}
function render(t){
  const byId=new Map(t.nodes.map(n=>[n.id,n]));
  for(const n of t.nodes){if(!n.up)continue;const h=hist.get(n.id)||{ops:[],mem:[]};h.ops.push(n.opsPerSec||0);h.mem.push(n.usedMemory||0);if(h.ops.length>60){h.ops.shift();h.mem.shift();}hist.set(n.id,h);}
  const childrenOf=id=>t.nodes.filter(n=>n.up&&n.master===id);
  const roots=t.nodes.filter(n=>!n.up||!n.master||!byId.has(n.master));
  const seen=new Set();
  const draw=n=>{if(seen.has(n.id))return "";seen.add(n.id);const kids=childrenOf(n.id).map(draw).join("");return card(n,n.id===t.self,byId)+(kids?'<div class="children">'+kids+"</div>":"");};
  document.getElementById("tree").innerHTML=roots.map(draw).join("");
  document.getElementById("self").textContent="— "+t.self;
  document.getElementById("events").textContent=t.events.slice(-30).join("\\n");
  document.getElementById("status").textContent=t.nodes.length+" node(s), updated "+new Date(t.time).toLocaleTimeString();
}
async function tick(){
  try{const r=await fetch("api/topology",{cache:"no-store"});render(await r.json());}
  catch(e){document.getElementById("status").textContent="cannot reach this node: "+e;}
  setTimeout(tick,1000);
}
tick();
</script>
</body>
</html>
`;
