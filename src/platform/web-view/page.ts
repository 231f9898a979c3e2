/**
 * The live web view: one HTML page with its CSS and script inline (works offline, no CDN,
 * no framework). It listens to /api/stream (Server-Sent Events) and redraws: conditions,
 * the 16,384-slot map coloured by owning master with open slots marked, the topology
 * (each master, its replicas, link, lag, failure domain), every member's figures, events,
 * and while `rck bench consistency` or `chaos` runs, its ops/s and latency.
 */
export const WEB_VIEW_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rck</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#222;background:#fafafa}
h1{font-size:20px;margin:0 0 8px} h2{font-size:15px;margin:18px 0 6px}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;margin-right:6px;font-size:12px;color:#fff}
.ok{background:#2e7d32}.bad{background:#c62828}.warn{background:#ef6c00}.off{background:#777}
#summary span{margin-right:14px}
canvas{border:1px solid #ccc;image-rendering:pixelated;background:#fff;max-width:100%}
table{border-collapse:collapse;background:#fff} td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;font-size:13px}
th{background:#eee}.num{text-align:right}
.legend span{display:inline-block;margin-right:12px}.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
.shard{display:inline-block;vertical-align:top;border:1px solid #ccc;background:#fff;margin:0 8px 8px 0;padding:6px 10px;min-width:180px}
.down{color:#c62828;font-weight:bold}.muted{color:#777}
#stale{color:#c62828}
</style></head><body>
<h1 id="title">rck</h1>
<div id="conditions"></div>
<p id="summary"></p><p id="workload"></p><p id="stale"></p>
<h2>Slots</h2><canvas id="slots" width="1024" height="256" title="16384 slots, 256 per row"></canvas>
<div class="legend" id="legend"></div><div id="open"></div>
<h2>Topology</h2><div id="topology"></div>
<h2>Members</h2><table id="members"></table>
<h2>Conditions</h2><table id="condtable"></table>
<h2>Events</h2><table id="events"></table>
<script>
const PALETTE=['#1f77b4','#ff7f0e','#2ca02c','#9467bd','#8c564b','#e377c2','#17becf','#bcbd22','#7f7f7f','#d62728','#393b79','#637939','#8c6d31','#843c39','#7b4173','#3182bd'];
const esc=(s)=>String(s??'').replace(/[&<>"]/g,(c)=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const bytes=(n)=>n===undefined?'':n<1024?n+' B':n<1048576?(n/1024).toFixed(1)+' KiB':(n/1048576).toFixed(1)+' MiB';
let last;
function colours(v){const ms=[...new Set(v.slots.map((r)=>r.master).filter(Boolean))].sort((a,b)=>a.localeCompare(b,'en',{numeric:true}));const c={};ms.forEach((m,i)=>c[m]=PALETTE[i%PALETTE.length]);return c;}
function render(v){
  last=v;
  document.title='rck: '+v.cluster;
  document.getElementById('title').textContent='Redis Cluster '+v.cluster;
  document.getElementById('conditions').innerHTML=v.conditions.map((c)=>{const good=c.type==='Ready'?c.status==='True':c.status==='False';return '<span class="badge '+(good?'ok':c.type==='Healing'?'warn':'bad')+'" title="'+esc(c.message)+'">'+esc(c.type)+' '+esc(c.status)+(good?'':': '+esc(c.reason))+'</span>';}).join('')+
    (v.facts.conditions.DataLoss?'<span class="badge bad">DataLoss</span>':'');
  const f=v.facts;
  document.getElementById('summary').innerHTML='<span id="slots-served">'+f.slotsServed+' of 16384 slots served</span><span id="members-up">'+f.membersUp+'/'+f.members+' members up</span><span id="masters">'+f.masters+' masters</span><span id="open-count">'+f.slotsOpen+' open slots</span>';
  const w=v.workload;
  document.getElementById('workload').innerHTML=w?'<b>'+esc(w.name)+'</b>: <span id="workload-ops">'+w.opsPerSec+'</span> ops/s, '+(w.errorsPerSec?'<span class="down">'+w.errorsPerSec+' errors/s</span>':'0 errors/s')+', latency p50 <span id="workload-p50">'+w.p50Ms+'</span> ms, p99 '+w.p99Ms+' ms':'';
  const col=colours(v);
  const cv=document.getElementById('slots'),g=cv.getContext('2d');
  g.fillStyle='#fff';g.fillRect(0,0,cv.width,cv.height);
  for(const r of v.slots){g.fillStyle=r.master?col[r.master]:'#000';for(let s=r.start;s<=r.end;s++)g.fillRect((s%256)*4,Math.floor(s/256)*4,4,4);}
  g.fillStyle='#fff';for(const o of v.openSlots){const x=(o.slot%256)*4,y=Math.floor(o.slot/256)*4;g.fillRect(x+1,y+1,2,2);}
  const count={};for(const r of v.slots)count[r.master]=(count[r.master]||0)+r.end-r.start+1;
  document.getElementById('legend').innerHTML=Object.keys(count).sort().map((m)=>'<span data-master="'+esc(m)+'"><i class="sw" style="background:'+(m?col[m]:'#000')+'"></i>'+(m?esc(m):'not served')+': <b class="slot-count">'+count[m]+'</b></span>').join('');
  document.getElementById('open').innerHTML=v.openSlots.length?'<p>Moving: '+v.openSlots.slice(0,20).map((o)=>o.slot+' '+esc(o.from)+' &rarr; '+esc(o.to)).join(', ')+(v.openSlots.length>20?' and '+(v.openSlots.length-20)+' more':'')+' (white dots)</p>':'';
  const byName={};for(const m of v.members)byName[m.member]=m;
  const masters=v.members.filter((m)=>m.role==='master'&&m.up);
  document.getElementById('topology').innerHTML=masters.map((m)=>{const reps=v.members.filter((r)=>r.role==='replica'&&r.master===m.member);
    return '<div class="shard" data-shard="'+esc(m.member)+'"><b style="color:'+(col[m.member]||'#000')+'">'+esc(m.member)+'</b> <span class="muted">'+esc(m.domain)+' &middot; '+m.slots+' slots</span>'+
      (reps.length?reps.map((r)=>'<div>&#8627; '+esc(r.member)+' <span class="muted">'+esc(r.domain)+'</span> '+(r.masterLinkUp?'link up':'<span class="down">link down</span>')+(r.replicationLagBytes!==undefined?', lag '+bytes(r.replicationLagBytes):'')+(r.domain===m.domain?' <span class="down">same domain</span>':'')+'</div>').join(''):'<div class="down">no replica</div>')+'</div>';}).join('')+
    v.members.filter((m)=>!m.up).map((m)=>'<div class="shard down" data-shard-down="'+esc(m.member)+'">'+esc(m.member)+' down</div>').join('');
  document.getElementById('members').innerHTML='<tr><th>member</th><th>role</th><th>master</th><th>slots</th><th>keys</th><th>memory</th><th>ops/s</th><th>clients</th><th>lag</th><th>link</th><th>domain</th><th>address</th></tr>'+
    v.members.map((m)=>'<tr data-member="'+esc(m.member)+'"><td>'+esc(m.member)+'</td><td class="role">'+(m.up?esc(m.role):'<span class="down">down</span>')+'</td><td>'+esc(m.master)+'</td><td class="num slots">'+(m.up?m.slots:'')+'</td><td class="num">'+(m.keys??'')+'</td><td class="num">'+bytes(m.usedMemoryBytes)+'</td><td class="num">'+(m.opsPerSec??'')+'</td><td class="num">'+(m.connectedClients??'')+'</td><td class="num">'+(m.replicationLagBytes!==undefined?bytes(m.replicationLagBytes):'')+'</td><td>'+(m.role==='replica'?(m.masterLinkUp?'up':'<span class="down">down</span>'):'')+'</td><td>'+esc(m.domain)+'</td><td>'+esc(m.address)+'</td></tr>').join('');
  document.getElementById('condtable').innerHTML='<tr><th>type</th><th>status</th><th>reason</th><th>message</th><th>since</th></tr>'+v.conditions.map((c)=>'<tr><td>'+esc(c.type)+'</td><td>'+esc(c.status)+'</td><td>'+esc(c.reason)+'</td><td>'+esc(c.message)+'</td><td>'+esc(c.lastTransitionTime)+'</td></tr>').join('');
  document.getElementById('events').innerHTML='<tr><th>time</th><th>type</th><th>member</th><th>reason</th><th>message</th></tr>'+v.events.slice().reverse().slice(0,40).map((e)=>'<tr'+(e.type==='Warning'?' style="color:#c62828"':'')+'><td>'+esc(e.time)+'</td><td>'+esc(e.type)+'</td><td>'+esc(e.member)+'</td><td>'+esc(e.reason)+'</td><td>'+esc(e.message)+'</td></tr>').join('');
  staleness();
}
function staleness(){if(!last)return;const s=Math.round((Date.now()-last.observedAt)/1000);document.getElementById('stale').textContent=s>45?'last observed '+s+' s ago (the supervisor may be stopped)':'';}
setInterval(staleness,5000);
const es=new EventSource('api/stream');
es.addEventListener('view',(e)=>render(JSON.parse(e.data)));
es.onerror=()=>{document.getElementById('stale').textContent='connection lost; reconnecting';};
</script></body></html>
`;
