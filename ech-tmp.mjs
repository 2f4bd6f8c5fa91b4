import * as echarts from 'echarts/core';
import { CandlestickChart, ScatterChart } from 'echarts/charts';
import { GridComponent, TitleComponent, MarkLineComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
echarts.use([CandlestickChart, ScatterChart, GridComponent, TitleComponent, MarkLineComponent, SVGRenderer]);
const c = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 400, height: 300 });
c.setOption({ animation:false, xAxis:{type:'category', data:['a','b']}, yAxis:{}, series:[{type:'candlestick', data:[[1,2,0.5,3],[2,1,0.5,3]]}]});
console.log(c.renderToSVGString().slice(0,300));
