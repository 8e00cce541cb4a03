
(function(){
"use strict";
var text=document.getElementById("repaired"),panel=document.getElementById("detail");
var marks=text.getElementsByTagName("mark"),hidden={},below=2,selected=null;
function el(tag,cls,content){var e=document.createElement(tag);if(cls)e.className=cls;
  if(content!==undefined)e.textContent=content;return e;}
function clear(){while(panel.firstChild)panel.removeChild(panel.firstChild);}
function describe(number){
  var row=document.getElementById("e"+number);if(!row)return null;
  var c=row.cells,box=el("div"),dl=el("dl");
  box.appendChild(el("h3",null,"Edit "+c[0].textContent+": "+c[1].textContent));
  [["Before → after",c[3]],["Reason",c[4]],["Confidence",c[5]],["Line in original",c[2]]]
  .forEach(function(p){var dd=el("dd",p[0]==="Before → after"?"ba":null);
    for(var n=p[1].firstChild;n;n=n.nextSibling)dd.appendChild(n.cloneNode(true));
    dl.appendChild(el("dt",null,p[0]));dl.appendChild(dd);});
  box.appendChild(dl);return box;}
function show(mark){
  if(selected)selected.classList.remove("sel");selected=mark;mark.classList.add("sel");
  clear();mark.getAttribute("data-e").split(" ").forEach(function(n){
    var d=describe(n);if(d)panel.appendChild(d);});}
function markFor(t){while(t&&t!==text){if(t.tagName==="MARK"&&t.classList.contains("m"))
  return t;t=t.parentNode;}return null;}
text.addEventListener("click",function(ev){var m=markFor(ev.target);
  if(m&&!m.classList.contains("off"))show(m);});
text.addEventListener("focusin",function(ev){var m=markFor(ev.target);if(m)show(m);});
text.addEventListener("keydown",function(ev){var m=markFor(ev.target);
  if(m&&(ev.key==="Enter"||ev.key===" ")){ev.preventDefault();show(m);}});
function visible(m){if(parseFloat(m.getAttribute("data-c"))>=below)return false;
  var rs=m.getAttribute("data-r").split(" ");
  for(var j=0;j<rs.length;j++)if(!hidden[rs[j]])return true;return false;}
function applyFilters(){for(var i=0;i<marks.length;i++){var m=marks[i],on=visible(m);
  m.classList.toggle("off",!on);m.tabIndex=on?0:-1;}}
var boxes=document.querySelectorAll(".counts input[type=checkbox]");
for(var i=0;i<boxes.length;i++)boxes[i].addEventListener("change",function(ev){
  hidden[ev.target.getAttribute("data-r")]=!ev.target.checked;applyFilters();});
var conf=document.getElementById("conf");
if(conf)conf.addEventListener("change",function(){below=parseFloat(conf.value);applyFilters();});
function step(by){
  var i=selected?Array.prototype.indexOf.call(marks,selected):(by>0?-1:marks.length);
  for(i+=by;i>=0&&i<marks.length;i+=by)if(!marks[i].classList.contains("off")){
    marks[i].focus();marks[i].scrollIntoView({block:"nearest"});show(marks[i]);return;}}
document.getElementById("prev").addEventListener("click",function(){step(-1);});
document.getElementById("next").addEventListener("click",function(){step(1);});
function fromHash(){var h=location.hash.match(/^#edit-(\d+)$/);if(!h)return;
  for(var i=0;i<marks.length;i++){if(marks[i].getAttribute("data-e").split(" ")
    .indexOf(h[1])>=0){show(marks[i]);marks[i].scrollIntoView({block:"center"});return;}}
  var d=describe(h[1]);if(d){clear();panel.appendChild(d);}}
window.addEventListener("hashchange",fromHash);fromHash();
var closed=[];  // print every edit: open the folded tables while printing
window.addEventListener("beforeprint",function(){closed=Array.prototype.filter.call(
  document.querySelectorAll("details"),function(d){return !d.open;});
  closed.forEach(function(d){d.open=true;});});
window.addEventListener("afterprint",function(){closed.forEach(function(d){d.open=false;});});
})();
